"""``/``: the papers of a day (``?date=``), an ISO week (``?week=``) or a month (``?month=``).

A day the index job grouped into topics (``paperwire.index.topics``) lists its papers
topic by topic, with an index of every topic at the top; as cards it pages through them
30 at a time (a topic's jump link goes to the page where it starts: a whole 300-paper day
of cards is about 1 MB of HTML), as titles (``?view=compact``) it is shown whole. Other
days, weeks and months page through the papers.

``?order=for-you`` ranks the papers for the signed-in reader (``Recommender.order``) in
one list, without topics (up to ``FOR_YOU_MAX`` papers of a week or month, the most
upvoted); a reader without signals, or signed out, is told so and gets the usual order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from paperwire.accounts import User
from paperwire.http.deps import SettingsDep, StoreDep, TemplatesDep, get_user, recommending
from paperwire.index.topics import LISTING_LIMIT, TopicGroup, group_by_topic
from paperwire.models import Paper
from paperwire.store import Store
from paperwire.web.pages.common import (
    PER_PAGE,
    BadParam,
    bad_param,
    parse_category,
    parse_choice,
    parse_page,
    render,
)
from paperwire.web.pages.reading import remember_entries
from paperwire.web.pages.views import Span, navigation, requested_span

router = APIRouter(include_in_schema=False)

#: ``view``: whole cards, or titles only.
VIEWS = ("cards", "compact")
#: ``order``: most upvoted first (the topics of a day), or ranked for the reader.
ORDERS = ("upvotes", "for-you")
#: The most papers ranked for a reader on one page view.
FOR_YOU_MAX = 3000


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
    order: str | None = None,
) -> HTMLResponse:
    try:
        span = requested_span(store, day, week, month)
        chosen = parse_category(category)
        number = parse_page(page)
        layout = parse_choice("view", view, VIEWS, "cards")
        ordering = parse_choice("order", order, ORDERS, "upvotes")
    except BadParam as error:
        return bad_param(request, templates, error)
    context: dict[str, object] = {
        "span": span,
        "category": chosen,
        "categories": settings.categories,
        "page": number,
        "view": layout,
        "order": ordering,
        "for_you": None,
    }
    if span is not None and ordering == "for-you":
        ranked = await run_in_threadpool(
            for_you_context, request, store, span, chosen, layout, number
        )
        if ranked is not None:
            context.update(ranked)
            return render(request, templates, "daily.html", context)
        context["for_you"] = why_not_ranked(store, get_user(request))
    if span is not None and span.kind == "day":
        every = store.list_papers(
            day=span.start, category=chosen, limit=LISTING_LIMIT, order="upvotes"
        )
        groups = group_by_topic(every, store.day_topics(span.start))
        whole = bool(groups) and layout == "compact"
        start = 0 if whole else (number - 1) * PER_PAGE
        sections = topic_sections(groups, start, None if whole else PER_PAGE)
        on_page = [p for sec in sections for p in sec.papers] or every[start : start + PER_PAGE]
        remember_entries(request, [p.id for p in on_page])
        context.update(
            count=len(every),
            groups=groups,
            sections=sections,
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
        remember_entries(request, [p.id for p in papers[:PER_PAGE]])
        context.update(
            papers=papers[:PER_PAGE],
            has_next=len(papers) > PER_PAGE,
            nav=navigation(store, span),
            rank_start=(number - 1) * PER_PAGE,
        )
    return render(request, templates, "daily.html", context)


def ranked_for_you(request: Request, papers: list[Paper]) -> list[Paper] | None:
    """``papers`` best first for the signed-in reader (ties keep their order); None when
    signed out or the reader has nothing to learn from."""
    user = get_user(request)
    if user is None or not papers:
        return None if user is None else []
    nothing: dict[str, float] = {}
    scores = recommending(request, lambda rec: rec.order(user.id, [p.id for p in papers]), nothing)
    if not scores:
        return None
    return sorted(papers, key=lambda p: -scores.get(p.id, float("-inf")))


def why_not_ranked(store: Store, user: User | None) -> str:
    """Why a page asked to be ranked for the reader may not be: signed out, nothing to
    learn from, or (signals but no scores) no paper vectors yet."""
    if user is None:
        return "signed-out"
    signals = store.signals(user.id)
    return "not-ready" if signals.positives or signals.interests else "no-signals"


def for_you_context(
    request: Request, store: Store, span: Span, category: str | None, layout: str, number: int
) -> dict[str, object] | None:
    """The span's papers ranked for the reader, one page of them (titles: all); None when
    they cannot be (signed out, or no signals)."""
    every = store.list_papers(
        day=span.start, until=span.end, category=category, limit=FOR_YOU_MAX, order="upvotes"
    )
    ranked = ranked_for_you(request, every)
    if ranked is None:
        return None
    whole = layout == "compact"
    start = 0 if whole else (number - 1) * PER_PAGE
    shown = ranked if whole else ranked[start : start + PER_PAGE]
    remember_entries(request, [p.id for p in shown])
    return {
        "for_you": "ranked",
        "count": len(every) if span.kind == "day" else None,
        "capped": len(every) >= FOR_YOU_MAX,
        "papers": shown,
        "has_next": not whole and len(ranked) > start + PER_PAGE,
        "nav": navigation(store, span),
        "rank_start": start,
    }
