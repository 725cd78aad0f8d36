"""The ranking job: ``paperwire rank`` and the scheduler call ``run_rank`` (or
``rank_windows``, which says what it stored)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from paperwire.config import Settings
from paperwire.rank.compute import WINDOW_DAYS, check_window, compute_trending
from paperwire.rank.score import Weights
from paperwire.rank.trending import default_day
from paperwire.store.base import Store


@dataclass(slots=True)
class RankReport:
    """What one ranking run stored: the day it ranks as of (None: no papers yet) and how
    many papers each window's ranking holds."""

    day: date | None = None
    ranked: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        if self.day is None:
            return "ranked nothing: no papers yet"
        counts = ", ".join(f"{window} {n}" for window, n in self.ranked.items())
        return f"ranked papers as of {self.day.isoformat()}: {counts}"

    def to_dict(self) -> dict[str, Any]:
        return {"day": self.day.isoformat() if self.day else None, "ranked": dict(self.ranked)}


def rank_windows(
    store: Store,
    settings: Settings,
    *,
    at: date | None = None,
    windows: tuple[str, ...] = tuple(WINDOW_DAYS),
) -> RankReport:
    """Compute and store the rankings of ``windows`` as they stood on ``at`` (default:
    the latest day with a feed entry or an upvote)."""
    for window in windows:
        check_window(window)
    day = at or default_day(store)
    report = RankReport(day)
    if day is None:
        return report
    weights = Weights.from_settings(settings)
    for window in windows:
        ranked = compute_trending(store, weights, window=window, at=day)
        saved = store.save_trending(window=window, at=day, rows=[row for _, row in ranked])
        report.ranked[window] = saved
    return report


def run_rank(
    store: Store,
    settings: Settings,
    *,
    at: date | None = None,
    windows: tuple[str, ...] = tuple(WINDOW_DAYS),
) -> str:
    """``rank_windows``, told in one line."""
    return rank_windows(store, settings, at=at, windows=windows).summary()
