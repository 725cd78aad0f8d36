"""``/``: the papers of a day (``?date=``), an ISO week (``?week=``) or a month (``?month=``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from paperwire.web.deps import SettingsDep, StoreDep, TemplatesDep
from paperwire.web.pages.common import (
    PER_PAGE,
    BadParam,
    bad_param,
    parse_category,
    parse_page,
    render,
)
from paperwire.web.pages.views import navigation, requested_span

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
async def daily_papers(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    day: Annotated[str | None, Query(alias="date")] = None,
    week: str | None = None,
    month: str | None = None,
    category: str | None = None,
    page: str | None = None,
) -> HTMLResponse:
    try:
        span = requested_span(store, day, week, month)
        chosen = parse_category(category)
        number = parse_page(page)
    except BadParam as error:
        return bad_param(request, templates, error)
    context: dict[str, object] = {
        "span": span,
        "category": chosen,
        "categories": settings.categories,
        "page": number,
    }
    if span is not None:
        papers = store.list_papers(
            day=span.start,
            until=span.end,
            category=chosen,
            limit=PER_PAGE + 1,
            offset=(number - 1) * PER_PAGE,
            order="upvotes",
        )
        context.update(
            papers=papers[:PER_PAGE],
            has_next=len(papers) > PER_PAGE,
            nav=navigation(store, span),
            rank_start=(number - 1) * PER_PAGE,
        )
    return render(request, templates, "daily.html", context)
