"""paperwire's JSON API under /api/v1.

Every answer is JSON; every error is ``{"detail": "<what was wrong>"}``: 400 for a day,
week or month that cannot be read or is out of range, or a paper id that cannot be one
(the message names the parameter), 404 for an unknown paper, 422 for any other bad
parameter (a limit out of 1..100, an unknown ``window`` or ``mode``, a category that is
none, a query with a control character or too many words), 503 while there is no search
index. Lists are paginated with ``limit`` and ``offset``; ``next`` is the address of the
following page, or null on the last one.

The routes of this module read papers; ``library.py`` (a reader's lists, marks, notes,
interests), ``library_files.py`` (export and import) and ``recommendations.py`` are
served under the same prefix, and ``common.py`` holds what they all share.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request

from paperwire.api import library, library_files, recommendations
from paperwire.api.common import (
    ApiRoute,
    BadParameter,
    Responses,
    get_paper_or_404,
    in_range,
    next_url,
    paper_id_of,
    parse_day,
    read_day,
)
from paperwire.api.schemas import (
    ErrorOut,
    PaperListOut,
    PaperOut,
    PapersIn,
    ScoredPaperOut,
    SearchIn,
    SearchOut,
    SimilarIn,
    SimilarOut,
    TrendingIn,
    TrendingOut,
)
from paperwire.http.deps import SearcherDep, SettingsDep, StoreDep
from paperwire.http.params import ranking_day
from paperwire.index.search import Searcher
from paperwire.models import Filters, Scored
from paperwire.rank.trending import trending_scores
from paperwire.store import Store

# Shared with the other API modules, which import them from here too.
__all__ = ["NO_INDEX", "ApiRoute", "day_range", "get_paper_or_404", "paper_id_of", "router"]

NO_INDEX = "no search index yet: run `paperwire index` on the server"

_WEEK = re.compile(r"([0-9]{4})-W([0-9]{2})")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


# -- reading parameters ------------------------------------------------------------------


def parse_week(name: str, value: str) -> tuple[dt.date, dt.date]:
    match = _WEEK.fullmatch(value)
    try:
        if match is None:
            raise ValueError(value)
        monday = dt.date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        raise BadParameter(name, "expected YYYY-Www (an ISO week, e.g. 2026-W24)") from None
    in_range(name, monday, monday)
    return monday, monday + dt.timedelta(days=6)


def parse_month(name: str, value: str) -> tuple[dt.date, dt.date]:
    match = _MONTH.fullmatch(value)
    try:
        if match is None:
            raise ValueError(value)
        year, month = int(match.group(1)), int(match.group(2))
        first = dt.date(year, month, 1)
    except ValueError:
        raise BadParameter(name, "expected YYYY-MM") from None
    return in_range(name, first, first.replace(day=calendar.monthrange(year, month)[1]))


def day_range(
    date: str | None, week: str | None, month: str | None
) -> tuple[dt.date, dt.date] | None:
    """The days asked for by one of ``date``/``week``/``month``; None when none is given."""
    given = [name for name, value in (("date", date), ("week", week), ("month", month)) if value]
    if len(given) > 1:
        raise HTTPException(400, f"{', '.join(given)}: give only one of date, week and month")
    if date:
        day = read_day("date", date)
        return day, day
    if week:
        return parse_week("week", week)
    if month:
        return parse_month("month", month)
    return None


def scored_papers(store: Store, hits: Sequence[Scored], base_url: str) -> list[ScoredPaperOut]:
    papers = store.get_papers([h.paper_id for h in hits])
    return [
        ScoredPaperOut.scored(papers[h.paper_id], h, base_url) for h in hits if h.paper_id in papers
    ]


def require_searcher(searcher: Searcher | None) -> Searcher:
    if searcher is None:
        raise HTTPException(503, NO_INDEX)
    return searcher


# -- routes ------------------------------------------------------------------------------

router = APIRouter(prefix="/api/v1", tags=["api"], route_class=ApiRoute)

BAD_DAY: Responses = {
    400: {"model": ErrorOut, "description": "A day, week or month that cannot be read."}
}
# Declaring 422 also keeps FastAPI from describing its own list-of-errors shape.
INVALID: Responses = {
    400: {
        "model": ErrorOut,
        "description": "A parameter out of range or of the wrong kind; the message names it.",
    },
    422: {"model": ErrorOut, "description": "A request body that is not what the route takes."},
}
BAD_ID: Responses = {
    400: {
        "model": ErrorOut,
        "description": "A paper id that cannot be one (too long, control characters).",
    }
}
NOT_FOUND: Responses = {404: {"model": ErrorOut, "description": "No paper with that id."}}
NO_SEARCH: Responses = {
    503: {"model": ErrorOut, "description": "The server has no search index yet."}
}


@router.get("/papers", responses=INVALID | BAD_DAY, summary="Papers of a day, week or month")
async def list_papers(
    request: Request,
    query: Annotated[PapersIn, Query()],
    store: StoreDep,
    settings: SettingsDep,
) -> PaperListOut:
    """Newest first. With ``date``, ``week`` or ``month``: the papers first announced in
    those days (by arXiv's listing, Hugging Face's daily papers), each on its first day
    only; without: all papers."""
    days = day_range(query.date, query.week, query.month)
    start, end = days if days is not None else (None, None)
    papers = store.list_papers(
        day=start, until=end, category=query.category, limit=query.limit + 1, offset=query.offset
    )
    more = len(papers) > query.limit
    return PaperListOut(
        papers=[PaperOut.of(p, settings.base_url) for p in papers[: query.limit]],
        next=next_url(request, settings.base_url, query.offset + query.limit, more),
    )


@router.get(
    "/papers/{paper_id:path}/similar",
    responses=INVALID | BAD_ID | NOT_FOUND,
    summary="Papers similar to a paper",
)
async def similar_papers(
    paper_id: str,
    query: Annotated[SimilarIn, Query()],
    store: StoreDep,
    settings: SettingsDep,
) -> SimilarOut:
    """Neighbours in meaning and in words, each with a reason naming the key terms both
    papers share; never the paper itself. Read from what ``paperwire index`` stored (at
    most 20 per paper): ``ready`` is false, and the list empty, until it has computed
    this paper's list."""
    paper = get_paper_or_404(store, paper_id)
    hits = store.stored_similar(paper.id, limit=query.limit)
    if hits is None:
        return SimilarOut(id=paper.id, ready=False, papers=[])
    papers = scored_papers(store, hits, settings.base_url)
    return SimilarOut(id=paper.id, ready=True, papers=papers)


@router.get(
    "/papers/{paper_id:path}",
    responses=INVALID | BAD_ID | NOT_FOUND,
    summary="One paper",
)
async def get_paper(paper_id: str, store: StoreDep, settings: SettingsDep) -> PaperOut:
    """Every field of one paper. The id may carry a version (``2401.01234v2``) or be an
    old-style id with a slash (``hep-th/9901001``)."""
    return PaperOut.of(get_paper_or_404(store, paper_id), settings.base_url)


@router.get("/search", responses=INVALID | BAD_DAY | NO_SEARCH, summary="Search papers")
async def search(
    request: Request,
    query: Annotated[SearchIn, Query()],
    store: StoreDep,
    settings: SettingsDep,
    searcher: SearcherDep,
) -> SearchOut:
    """Best first. ``hybrid`` fuses the keyword (BM25) and meaning (vector) rankings."""
    filters = Filters(
        category=query.category,
        since=parse_day("since", query.since),
        until=parse_day("until", query.until),
        has_code=query.has_code,
    )
    found = require_searcher(searcher)
    hits = found.search(
        query.q, mode=query.mode, limit=query.offset + query.limit + 1, filters=filters
    )
    page = hits[query.offset : query.offset + query.limit]
    more = len(hits) > query.offset + query.limit
    return SearchOut(
        query=query.q,
        mode=query.mode,
        papers=scored_papers(store, page, settings.base_url),
        next=next_url(request, settings.base_url, query.offset + query.limit, more),
    )


@router.get("/trending", responses=INVALID | BAD_DAY, summary="Trending papers")
async def trending(
    request: Request,
    query: Annotated[TrendingIn, Query()],
    store: StoreDep,
    settings: SettingsDep,
) -> TrendingOut:
    """The trending papers of the window (``day``, ``week`` or ``month`` back from ``at``,
    default the latest day with papers), as the ranking stood on ``at``: upvotes with
    time decay, GitHub star velocity, recency and curation (``docs/trending.md``), each
    with its score and reason."""
    at = parse_day("at", query.at) or ranking_day(store)
    if at is None:
        return TrendingOut(window=query.window, at=None, papers=[], next=None)
    ranked = trending_scores(
        store,
        window=query.window,
        at=at,
        limit=query.limit + 1,
        offset=query.offset,
        settings=settings,
    )
    more = len(ranked) > query.limit
    return TrendingOut(
        window=query.window,
        at=at,
        papers=[ScoredPaperOut.scored(p, s, settings.base_url) for p, s in ranked[: query.limit]],
        next=next_url(request, settings.base_url, query.offset + query.limit, more),
    )


# A reader's library and recommendations (their own modules), under the same prefix.
router.include_router(library.router)
router.include_router(library_files.router)
router.include_router(recommendations.router)
