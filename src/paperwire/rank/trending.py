"""Trending papers of a window, until the community issue's scoring job lands.

The interim score, computed at read time from stored fields only:
``upvotes + 2 * log1p(github_stars)`` (the community's signals), ties broken by
recency. The window is counted back from the latest day with papers (or ``at``).
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Literal

from paperwire.models import Paper, Scored
from paperwire.store.base import Store

Window = Literal["day", "week", "month"]
WINDOW_DAYS: dict[str, int] = {"day": 1, "week": 7, "month": 30}


def window_days(window: str, at: date) -> tuple[date, date]:
    return at - timedelta(days=WINDOW_DAYS[window] - 1), at


def score(paper: Paper) -> float:
    return (paper.upvotes or 0) + 2 * math.log1p(paper.github_stars or 0)


def reason(paper: Paper) -> str:
    parts = []
    if paper.upvotes:
        parts.append(f"{paper.upvotes} upvotes")
    if paper.github_stars:
        parts.append(f"{paper.github_stars} stars")
    return ", ".join(parts) or "new"


def _recency(paper: Paper) -> int:
    if paper.feed_dates:
        return max(f.day for f in paper.feed_dates).toordinal()
    if paper.published_at:
        return paper.published_at.date().toordinal()
    return 0


def trending_scores(
    store: Store, *, window: str = "week", at: date | None = None, limit: int = 50, offset: int = 0
) -> list[tuple[Paper, Scored]]:
    if at is None:
        at = store.feed_days()[1]
        if at is None:
            return []
    start, end = window_days(window, at)
    papers = store.list_papers(day=start, until=end, limit=5000)
    ranked = sorted(papers, key=lambda p: (-score(p), -_recency(p), p.id))
    return [
        (p, Scored(p.id, round(score(p), 4), reason(p))) for p in ranked[offset : offset + limit]
    ]
