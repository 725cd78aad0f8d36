"""The ranking job: ``paperwire rank`` and the scheduler call ``run_rank``."""

from __future__ import annotations

from datetime import date

from paperwire.config import Settings
from paperwire.rank.compute import WINDOW_DAYS, check_window, compute_trending
from paperwire.rank.score import Weights
from paperwire.rank.trending import default_day
from paperwire.store.base import Store


def run_rank(
    store: Store,
    settings: Settings,
    *,
    at: date | None = None,
    windows: tuple[str, ...] = tuple(WINDOW_DAYS),
) -> str:
    """Compute and store the rankings of ``windows`` as they stood on ``at`` (default:
    the latest day with a feed entry or an upvote); returns a one-line summary."""
    for window in windows:
        check_window(window)
    day = at or default_day(store)
    if day is None:
        return "ranked nothing: no papers yet"
    weights = Weights.from_settings(settings)
    counts: list[str] = []
    for window in windows:
        ranked = compute_trending(store, weights, window=window, at=day)
        saved = store.save_trending(window=window, at=day, rows=[row for _, row in ranked])
        counts.append(f"{window} {saved}")
    return f"ranked papers as of {day.isoformat()}: " + ", ".join(counts)
