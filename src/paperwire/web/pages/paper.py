"""``/papers/{id}``: one paper, its links, BibTeX, citation meta tags and similar papers,
and its discussion (``?sort=votes|time``; ``?reply=``, ``?edit=`` or ``?report=`` a
comment's id opens that form under it; see ``pages/discussion.py``); for a signed-in
reader also their library: the lists holding it, save to a list, the read and "not
interested" marks and their private note."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperwire.discussion import SORTS
from paperwire.http.deps import NowDep, SettingsDep, StoreDep, TemplatesDep, UserDep
from paperwire.http.params import BadParam, check_paper_id
from paperwire.library_formats import MAX_NOTE
from paperwire.links import paper_url
from paperwire.models import Paper, Scored
from paperwire.store import Store
from paperwire.store.base_library import DEFAULT_LIST, MAX_LIST_NAME
from paperwire.web.pages.common import bad_param, error_page, parse_choice, render, scored_papers
from paperwire.web.pages.discussion import chosen_form, discussion_context
from paperwire.web.pages.reading import reader_lists

router = APIRouter(include_in_schema=False)

SIMILAR = 6
#: ``arXiv:2401.01234v2`` -> ``2401.01234``; ``hep-th/9901001v3`` -> ``hep-th/9901001``.
_VERSIONED = re.compile(
    r"^(?:arxiv:)?(\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$", re.IGNORECASE
)


def canonical_id(paper_id: str) -> str | None:
    """The id without prefix or version, when it differs from ``paper_id``."""
    match = _VERSIONED.match(paper_id)
    if match is None or match[1] == paper_id:
        return None
    return match[1]


def similar_papers(store: Store, paper: Paper) -> list[tuple[Paper, Scored]] | None:
    """The similar papers the index job stored for this paper (``paperwire index``);
    None when it has not computed them yet. Nothing is ranked on request."""
    stored = store.stored_similar(paper.id, limit=SIMILAR)
    return None if stored is None else scored_papers(store, stored)


@router.get("/papers/{paper_id:path}", response_class=HTMLResponse)
async def paper_page(
    request: Request,
    paper_id: str,
    store: StoreDep,
    templates: TemplatesDep,
    user: UserDep,
    settings: SettingsDep,
    now: NowDep,
    sort: str | None = None,
    reply: str | None = None,
    edit: str | None = None,
    report: str | None = None,
) -> Response:
    try:
        check_paper_id(paper_id)
        order = parse_choice("sort", sort, SORTS, "votes")
        chosen = chosen_form(reply=reply, edit=edit, report=report)
    except BadParam as error:
        return bad_param(request, templates, error)
    paper = store.get_paper(paper_id)
    if paper is None:
        canonical = canonical_id(paper_id)
        if canonical is not None and store.get_paper(canonical) is not None:
            return RedirectResponse(paper_url(canonical), status_code=301)
        return error_page(
            request, templates, 404, "Paper not found", f"There is no paper “{paper_id}” here."
        )
    context: dict[str, object] = {"paper": paper, "similar": similar_papers(store, paper)}
    context.update(
        discussion_context(store, settings, user, paper, sort=order, now=now, chosen=chosen)
    )
    if user is not None:  # the reader's lists: which hold the paper, which could
        lists = reader_lists(request)
        holding = set(store.lists_with_paper(user.id, paper.id))
        context.update(
            holding=[lst for lst in lists if lst.name in holding],
            other_lists=[lst for lst in lists if lst.name not in holding],
            default_list=DEFAULT_LIST,
            max_note=MAX_NOTE,
            max_list_name=MAX_LIST_NAME,
        )
    return render(request, templates, "paper.html", context)
