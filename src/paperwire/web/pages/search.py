"""``/search?q=&mode=&category=&since=&until=&has_code=``: results with their reasons.

A query that is nothing but one stored paper's arXiv id, link or DOI (``paperwire.lookup``)
goes straight to that paper's page (303), whatever the filters; one naming a paper that is
not stored says so."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperwire.errors import PaperwireError
from paperwire.http.deps import SearcherDep, SettingsDep, StoreDep, TemplatesDep
from paperwire.http.params import parse_query, shown
from paperwire.index.search import MODES, Mode
from paperwire.links import paper_url
from paperwire.lookup import find_named
from paperwire.models import Filters
from paperwire.web.pages.common import (
    BadParam,
    bad_param,
    parse_category,
    parse_choice,
    parse_day,
    parse_page,
    render,
    scored_papers,
)

router = APIRouter(include_in_schema=False)

PER_PAGE = 20
MAX_RESULTS = 100  # one search per query, sliced into pages, so pages never overlap
_YES, _NO = ("1", "true", "on", "yes"), ("0", "false", "off", "no")


@dataclass(frozen=True, slots=True)
class SearchForm:
    q: str
    mode: Mode
    filters: Filters
    page: int


def parse_has_code(value: str | None) -> bool | None:
    if not value:
        return None
    if value.lower() in _YES + _NO:
        return value.lower() in _YES
    raise BadParam("has_code", f"expected 1 or 0, got {shown(value)}")


def parse_form(
    q: str,
    mode: str | None,
    category: str | None,
    since: str | None,
    until: str | None,
    has_code: str | None,
    page: str | None,
) -> SearchForm:
    query = parse_query(q)
    number = parse_page(page)
    if number * PER_PAGE > MAX_RESULTS:
        raise BadParam("page", f"results stop after {MAX_RESULTS}")
    filters = Filters(
        category=parse_category(category),
        since=parse_day("since", since),
        until=parse_day("until", until),
        has_code=parse_has_code(has_code),
    )
    chosen = cast(Mode, parse_choice("mode", mode, MODES, "hybrid"))
    return SearchForm(query, chosen, filters, number)


@router.get("/search", response_class=HTMLResponse)
async def search(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    searcher: SearcherDep,
    templates: TemplatesDep,
    q: str = "",
    mode: str | None = None,
    category: str | None = None,
    since: str | None = None,
    until: str | None = None,
    has_code: str | None = None,
    page: str | None = None,
) -> Response:
    try:
        form = parse_form(q, mode, category, since, until, has_code, page)
    except BadParam as error:
        return bad_param(request, templates, error)
    context: dict[str, object] = {
        "form": form,
        "modes": MODES,
        "categories": settings.categories,
        "available": searcher is not None,
        "results": [],
        "has_next": False,
        "page": form.page,
        "rank_start": (form.page - 1) * PER_PAGE,
        "error": None,
        "named": None,
    }
    if form.q:  # a query that is one paper's id, link or DOI goes to that paper
        context["named"] = named = find_named(store, form.q)
        if named.whole and len(named.stored) == 1:
            return RedirectResponse(paper_url(named.stored[0]), status_code=303)
    if searcher is not None and form.q:
        end = form.page * PER_PAGE
        try:
            found = searcher.search(form.q, mode=form.mode, limit=MAX_RESULTS, filters=form.filters)
        except PaperwireError as error:
            context["error"] = str(error)
            found = []
        context["results"] = scored_papers(store, found[end - PER_PAGE : end])
        context["has_next"] = len(found) > end
    return render(request, templates, "search.html", context)
