"""Trending papers of a window, read from the stored rankings.

``paperwire rank`` (and the scheduler, through ``paperwire.rank.jobs.run_rank``) stores
the ranking of each window for a day; pages, APIs, feeds and digests read it here and
never rank on the fly: when nothing is stored for the asked (window, day) the answer is
empty (``is_ranked`` tells an empty ranking from one not computed yet). Only a command
may ask for ``compute=True`` (``paperwire trending --at``), which computes a missing
ranking from what the store knew on that day without storing it. The formula is in
``paperwire.rank.score`` and ``docs/trending.md``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from paperwire.config import Settings
from paperwire.gate import FUTURE_SLACK
from paperwire.models import Paper, Scored
from paperwire.normalize import utcnow
from paperwire.rank.compute import (
    WINDOW_DAYS,
    check_window,
    compute_trending,
    window_bounds,
    window_days,
)
from paperwire.rank.score import Weights
from paperwire.store.base import Store

Window = Literal["day", "week", "month"]

__all__ = [
    "WINDOW_DAYS",
    "Window",
    "default_day",
    "is_ranked",
    "trending_scores",
    "window_bounds",
    "window_days",
]


def default_day(store: Store) -> date | None:
    """The day rankings stand on when none is asked for: the latest day, up to the day
    after tomorrow, on which a daily feed first announced a paper or with a local upvote."""
    # A day after tomorrow comes only from a bad record (the import gate refuses them):
    # no ranking can stand on it.
    return store.latest_activity_day(until=utcnow().date() + FUTURE_SLACK)


def is_ranked(store: Store, *, window: str, at: date) -> bool:
    """Whether a ranking of ``window`` is stored for ``at`` (it may list no paper)."""
    check_window(window)
    return store.stored_trending(window=window, at=at, limit=0) is not None


def trending_scores(
    store: Store,
    *,
    window: str = "week",
    at: date | None = None,
    limit: int = 50,
    offset: int = 0,
    settings: Settings | None = None,
    compute: bool = False,
) -> list[tuple[Paper, Scored]]:
    """The stored ranking of ``window`` as it stood on ``at`` (default: ``default_day``),
    pinned papers first; [] when none is stored. ``compute``: rank a missing (window,
    day) now, with the weights of ``settings`` (for commands, never for requests)."""
    check_window(window)
    if at is None:
        at = default_day(store)
        if at is None:
            return []
    stored = store.stored_trending(window=window, at=at, limit=limit, offset=offset)
    if stored is not None:
        papers = store.get_papers([row.paper_id for row in stored])
        return [
            (papers[row.paper_id], Scored(row.paper_id, row.score, row.reason))
            for row in stored
            if row.paper_id in papers
        ]
    if not compute:
        return []
    weights = Weights.from_settings(settings or Settings())
    ranked = compute_trending(store, weights, window=window, at=at)
    return [
        (paper, Scored(row.paper_id, row.score, row.reason))
        for paper, row in ranked[offset : offset + limit]
    ]


def order_by_trending(
    store: Store,
    papers: list[Paper],
    *,
    first: date,
    last: date,
    settings: Settings | None = None,
) -> list[Paper]:
    """``papers`` (of the days ``first``..``last``) in the order of the stored trending
    ranking of the smallest window covering those days, as it stood on the last of
    those days that has one (the current week or month is ranked up to today, not up to
    its last day); papers the ranking does not list (hidden ones aside) follow in their
    given order, all of them when no day of the period was ranked."""
    span = (last - first).days + 1
    window = next((w for w, n in WINDOW_DAYS.items() if n >= span), "month")
    wanted = {p.id: p for p in papers}
    days = (last - timedelta(days=n) for n in range(span))
    ranked_day = next((day for day in days if is_ranked(store, window=window, at=day)), None)
    ranked = (
        trending_scores(
            store, window=window, at=ranked_day, limit=1_000_000, offset=0, settings=settings
        )
        if ranked_day is not None
        else []
    )
    hidden = {paper_id for paper_id, flags in store.curation(list(wanted)).items() if flags.hidden}
    ordered = [wanted[p.id] for p, _ in ranked if p.id in wanted]
    listed = {p.id for p in ordered}
    return ordered + [p for p in papers if p.id not in listed and p.id not in hidden]
