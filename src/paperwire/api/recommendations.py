"""Recommendations through the API: new papers for the reader, and papers like a list.

- ``GET /api/v1/recommendations?since=&until=&limit=``: papers first announced from
  ``since`` (default: 7 days ago) to ``until`` (default: no end), best first, each with
  its score (comparable across readers) and reason (the reader's papers it is closest to
  and the terms they share); never a paper in the reader's lists, upvoted or marked not
  interested. Learnt from what the reader saved, upvoted, hid and follows
  (``paperwire.recommend``); ``has_signals`` is false, and the list empty, until then.
- ``GET /api/v1/library/lists/{list_id}/recommendations``: papers like the list's, for
  the reader's own lists and public ones.

The days asked for span at most ``MAX_DAYS`` (from ``since`` to ``until``, or to today),
so one request scores at most a month of papers. Errors: 400 for a day that cannot be
read or a span that is too long (the message names the parameter), 401 without a
reader, 404 for a list that is neither the reader's nor public, 429 with
``Retry-After`` past ``RECOMMEND_LIMIT`` requests a minute, 503 when the recommender
(shared with the pages, ``http/deps.py``) fails.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Annotated, TypeVar

from fastapi import APIRouter, HTTPException, Query, Request

from paperwire.accounts import User
from paperwire.api.common import ApiRoute, BadParameter, Responses, error, parse_day
from paperwire.api.library import ListPath, limit_rate
from paperwire.api.schemas import (
    LikeListIn,
    RecommendationsIn,
    RecommendationsOut,
    RecommendedPaperOut,
)
from paperwire.http.deps import NowDep, ReaderDep, SettingsDep, StoreDep, recommending
from paperwire.recommend import Recommendation, Recommender
from paperwire.store import Store

router = APIRouter(tags=["recommendations"], route_class=ApiRoute)
T = TypeVar("T")

#: The most days one request may ask about.
MAX_DAYS = 31
#: Days back ``since`` is by default.
DEFAULT_DAYS = 7
#: Requests one reader may make a minute (each scores up to a month of papers).
RECOMMEND_LIMIT = 60
RECOMMEND_WINDOW = 60.0

ERRORS: Responses = {
    400: error("A day that cannot be read, or more than 31 days asked about."),
    401: error("No reader: sign in, or send `Authorization: Bearer TOKEN`."),
    # Declared so FastAPI does not describe its own list-of-errors shape; never sent.
    422: error("A request body (these routes take none)."),
    429: error("Too many requests: see `Retry-After`."),
    503: error("Recommendations cannot be computed right now: see `Retry-After`."),
}


def recommend(request: Request, work: Callable[[Recommender], T]) -> T:
    """``work(recommender)`` on the process's recommender, shared with the pages (one
    request at a time: its caches are shared); 503 when it fails (vectors or models
    that cannot be read), never a server error."""
    done: T | None = recommending(request, work, None)
    if done is None:
        raise HTTPException(
            503,
            "recommendations cannot be computed right now: try again later",
            headers={"Retry-After": "60"},
        )
    return done


def window(
    since: str | None, until: str | None, today: date, *, default_days: int = DEFAULT_DAYS
) -> tuple[date, date | None]:
    """The days asked for: ``since`` (default ``default_days`` ago) to ``until`` (or no
    end); 400 when they are the wrong way round or span more than ``MAX_DAYS``."""
    first = parse_day("since", since) or today - timedelta(days=default_days)
    last = parse_day("until", until)
    if last is not None and last < first:
        raise BadParameter("until", f"{last} is before since ({first})")
    end = last or max(today, first)
    if (end - first).days >= MAX_DAYS:
        what = "until" if last is not None else "today"
        raise BadParameter(
            "since",
            f"at most {MAX_DAYS} days from since to {what} ({first} to {end}); "
            "ask for later days, or give until",
        )
    return first, last


def reader_limit(user: User, store: Store, now: datetime) -> None:
    limit_rate(
        store,
        user,
        now,
        what="recommendation requests",
        limit=RECOMMEND_LIMIT,
        window=RECOMMEND_WINDOW,
    )


@router.get("/recommendations", responses=ERRORS, summary="New papers for the reader")
def recommendations(
    request: Request,
    query: Annotated[RecommendationsIn, Query()],
    user: ReaderDep,
    store: StoreDep,
    settings: SettingsDep,
    now: NowDep,
) -> RecommendationsOut:
    """Papers first announced from ``since`` (default: 7 days ago) to ``until``, best
    first, each with its reason; never one in the reader's lists, upvoted or marked not
    interested."""
    since, until = window(query.since, query.until, now.date())
    reader_limit(user, store, now)

    def for_reader(recommender: Recommender) -> tuple[list[Recommendation], bool]:
        picks = recommender.for_reader(user.id, since=since, until=until, limit=query.limit)
        return picks, bool(picks) or recommender.has_signals(user.id)

    picks, has_signals = recommend(request, for_reader)
    return RecommendationsOut(
        since=since,
        until=until,
        has_signals=has_signals,
        papers=[RecommendedPaperOut.recommended(p, settings.base_url) for p in picks],
    )


@router.get(
    "/library/lists/{list_id}/recommendations",
    responses=ERRORS | {404: error("No list of that id is the reader's or public.")},
    summary="Papers like a list's",
)
def like_list(
    request: Request,
    list_id: ListPath,
    query: Annotated[LikeListIn, Query()],
    user: ReaderDep,
    store: StoreDep,
    settings: SettingsDep,
    now: NowDep,
) -> RecommendationsOut:
    """New papers like the list's papers ("more like this list"), first announced from
    ``since`` (default: 30 days ago), from a model of that list alone, each with its
    reason; never a paper of the list, nor one in the reader's lists, upvoted or hidden.
    The reader's own lists, and other readers' public ones."""
    since, _ = window(query.since, None, now.date(), default_days=MAX_DAYS - 1)
    found = store.get_list(list_id)
    if found is None or not (found.is_public or found.user_id == user.id):
        raise HTTPException(404, f"no list {list_id} of yours")
    reader_limit(user, store, now)
    ids, exclude = store.list_paper_ids(found.id), store.excluded_ids(user.id)
    picks = recommend(
        request, lambda r: r.like_list(ids, since=since, limit=query.limit, exclude=exclude)
    )
    return RecommendationsOut(
        since=since,
        until=None,
        has_signals=found.count > 0,
        papers=[RecommendedPaperOut.recommended(p, settings.base_url) for p in picks],
    )
