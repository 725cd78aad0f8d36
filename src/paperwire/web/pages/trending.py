"""``/trending?window=day|week|month``: the interim trending ranking, with each reason."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from paperwire.rank.trending import WINDOW_DAYS, trending_scores, window_days
from paperwire.web.deps import StoreDep, TemplatesDep
from paperwire.web.pages.common import (
    PER_PAGE,
    BadParam,
    bad_param,
    parse_choice,
    parse_page,
    render,
)

router = APIRouter(include_in_schema=False)

WINDOWS = tuple(WINDOW_DAYS)


@router.get("/trending", response_class=HTMLResponse)
def trending(
    request: Request,
    store: StoreDep,
    templates: TemplatesDep,
    window: str | None = None,
    page: str | None = None,
) -> HTMLResponse:
    try:
        chosen = parse_choice("window", window, WINDOWS, "week")
        number = parse_page(page)
    except BadParam as error:
        return bad_param(request, templates, error)
    latest = store.feed_days()[1]
    offset = (number - 1) * PER_PAGE
    results = (
        trending_scores(store, window=chosen, at=latest, limit=PER_PAGE + 1, offset=offset)
        if latest
        else []
    )
    context = {
        "window": chosen,
        "windows": WINDOWS,
        "span": window_days(chosen, latest) if latest else None,
        "results": results[:PER_PAGE],
        "has_next": len(results) > PER_PAGE,
        "page": number,
        "rank_start": offset,
    }
    return render(request, templates, "trending.html", context)
