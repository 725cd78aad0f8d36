"""``/lists/{list}``: a list its reader shared, readable by anyone with the link, and
papers like it. A private list, or a number no list has, is the same 404: the page
never tells that a private list exists. Its feed is ``feeds/lists.py``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from paperwire.http.deps import NowDep, StoreDep, TemplatesDep, UserDep
from paperwire.http.params import public_list
from paperwire.web.pages.common import PER_PAGE, BadParam, bad_param, error_page, parse_page, render
from paperwire.web.pages.library import more_like

router = APIRouter(include_in_schema=False)


@router.get("/lists/{list_id}", response_class=HTMLResponse)
def shared_list(
    request: Request,
    list_id: str,
    store: StoreDep,
    templates: TemplatesDep,
    user: UserDep,
    now: NowDep,
    page: str | None = None,
) -> Response:
    try:
        number = parse_page(page)
        found = public_list(store, list_id)
    except BadParam as error:
        return bad_param(request, templates, error)
    if found is None:
        return error_page(request, templates, 404, "Not Found", "There is no page at this address.")
    offset = (number - 1) * PER_PAGE
    ids = store.list_paper_ids(found.id, limit=PER_PAGE + 1, offset=offset)
    papers = store.get_papers(ids)
    exclude = store.excluded_ids(user.id) if user is not None else set()
    context = {
        "list": found,
        "papers": [papers[pid] for pid in ids[:PER_PAGE] if pid in papers],
        "has_next": len(ids) > PER_PAGE,
        "page": number,
        "rank_start": offset,
        "like": more_like(request, store, found, exclude, now.date()),
        "is_owner": user is not None and user.id == found.user_id,
    }
    return render(request, templates, "public_list.html", context)
