"""``/``: the papers of a day (``?date=``), an ISO week (``?week=``) or a month (``?month=``).

A day the index job grouped into topics (``paperwire.index.topics``) lists its papers
topic by topic, with an index of every topic at the top; as cards it pages through them
30 at a time (a topic's jump link goes to the page where it starts: a whole 300-paper day
of cards is about 1 MB of HTML), as titles (``?view=compact``) it is shown whole. Other
days, weeks and months page through the papers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from paperwire.index.topics import LISTING_LIMIT, TopicGroup, group_by_topic
from paperwire.models import Paper
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


@dataclass(frozen=True, slots=True)
class Section:
    """The part of one topic shown on a page; ``continued`` when it began on an earlier one."""

    group: TopicGroup
    papers: list[Paper]
    continued: bool


def topic_sections(groups: list[TopicGroup], start: int, size: int | None) -> list[Section]:
    """The topics' papers from position ``start`` of the day (topic by topic), ``size`` of
    them (None: to the end), cut into their topics."""
    sections = []
    at = 0
    end = None if size is None else start + size
    for group in groups:
        first, last = at, at + len(group.papers)
        at = last
        lo, hi = max(first, start), last if end is None else min(last, end)
        if lo < hi:
            sections.append(Section(group, group.papers[lo - first : hi - first], lo > first))
    return sections


def topic_pages(groups: list[TopicGroup], size: int) -> dict[str, int]:
    """The page (from 1) on which each topic's first paper is, by anchor."""
    pages = {}
    at = 0
    for group in groups:
        pages[group.anchor] = at // size + 1
        at += len(group.papers)
    return pages


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
        whole = bool(groups) and layout == "compact"
        start = 0 if whole else (number - 1) * PER_PAGE
        context.update(
            count=len(every),
            groups=groups,
            sections=topic_sections(groups, start, None if whole else PER_PAGE),
            topic_pages={} if whole else topic_pages(groups, PER_PAGE),
            papers=[] if groups else every[start : start + PER_PAGE],
            has_next=not whole and len(every) > start + PER_PAGE,
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
