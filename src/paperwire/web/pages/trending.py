"""``/trending?window=day|week|month&at=YYYY-MM-DD``: the trending ranking (as it stood
on ``at``, default the latest day with papers), each paper with its reason."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from paperwire.http.deps import SettingsDep, StoreDep, TemplatesDep
from paperwire.http.params import ranking_day
from paperwire.rank.trending import WINDOW_DAYS, is_ranked, trending_scores, window_days
from paperwire.web.pages.common import (
    PER_PAGE,
    BadParam,
    bad_param,
    parse_choice,
    parse_day,
    parse_page,
    render,
)

router = APIRouter(include_in_schema=False)

WINDOWS = tuple(WINDOW_DAYS)


@router.get("/trending", response_class=HTMLResponse)
async def trending(
    request: Request,
    store: StoreDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    window: str | None = None,
    at: str | None = None,
    page: str | None = None,
) -> HTMLResponse:
    try:
        chosen = parse_choice("window", window, WINDOWS, "week")
        asked = parse_day("at", at)
        number = parse_page(page)
    except BadParam as error:
        return bad_param(request, templates, error)
    day = asked or ranking_day(store)
    offset = (number - 1) * PER_PAGE
    results = (
        trending_scores(
            store, window=chosen, at=day, limit=PER_PAGE + 1, offset=offset, settings=settings
        )
        if day
        else []
    )
    context = {
        "window": chosen,
        "windows": WINDOWS,
        "at": asked,
        "span": window_days(chosen, day) if day else None,
        "results": results[:PER_PAGE],
        "is_ranked": day is not None and is_ranked(store, window=chosen, at=day),
        "has_next": len(results) > PER_PAGE,
        "page": number,
        "rank_start": offset,
    }
    return render(request, templates, "trending.html", context)
