"""``/``: the papers of a day (``?date=``), an ISO week (``?week=``) or a month (``?month=``).

A day the index job grouped into topics (``paperwire.index.topics``) is shown whole, under
its topics, with an index of them at the top; other days, weeks and months page through
the papers. ``?view=compact`` lists titles only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from paperwire.index.topics import LISTING_LIMIT, group_by_topic
from paperwire.web.deps import SettingsDep, StoreDep, TemplatesDep
from paperwire.web.pages.common import (
    PER_PAGE,
    BadParam,
    bad_param,
    parse_category,
    parse_choice,
    parse_page,
    render,
)
from paperwire.web.pages.views import navigation, requested_span

router = APIRouter(include_in_schema=False)

#: ``view``: whole cards, or titles only.
VIEWS = ("cards", "compact")


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
    view: str | None = None,
) -> HTMLResponse:
    try:
        span = requested_span(store, day, week, month)
        chosen = parse_category(category)
        number = parse_page(page)
        layout = parse_choice("view", view, VIEWS, "cards")
    except BadParam as error:
        return bad_param(request, templates, error)
    context: dict[str, object] = {
        "span": span,
        "category": chosen,
        "categories": settings.categories,
        "page": number,
        "view": layout,
    }
    if span is not None and span.kind == "day":
        every = store.list_papers(
            day=span.start, category=chosen, limit=LISTING_LIMIT, order="upvotes"
        )
        groups = group_by_topic(every, store.day_topics(span.start))
        start = 0 if groups else (number - 1) * PER_PAGE
        context.update(
            count=len(every),
            groups=groups,
            papers=[] if groups else every[start : start + PER_PAGE],
            has_next=not groups and len(every) > start + PER_PAGE,
            nav=navigation(store, span),
            rank_start=start,
        )
    elif span is not None:
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
