"""The trending score's components: small pure functions, no I/O.

``paperwire.rank.compute`` feeds them from the store; ``benchmarks/trending_backtest.py``
feeds the same functions from a star-history file. Each component is documented in
``docs/trending.md``:

- ``upvote_signal``: ``log1p`` of the upvotes in the window, each counted with weight
  ``0.5 ** (age_days / half_life)``.
- ``star_signal``: ``log1p(stars gained per day) + total_weight * log1p(stars)``, the
  velocity averaged over the window with recent intervals weighted more.
- ``recency_signal``: ``0.5 ** (age_days / half_life)`` of the paper's day.
- the curator term is 1 for a paper a curator submitted, else 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from paperwire.config import Settings

DAY = 86400.0


def decay(age_days: float, half_life_days: float) -> float:
    """``0.5 ** (age / half_life)``; a half-life of 0 (or less) means no decay."""
    if half_life_days <= 0:
        return 1.0
    return float(0.5 ** (max(age_days, 0.0) / half_life_days))


def _days(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / DAY


@dataclass(frozen=True, slots=True)
class Weights:
    """The weights and half-lives of the score (``trending_*`` settings). Half-lives are
    fractions of the window's length, so each window is the same ranking at its own
    time scale (0.3 of a week is 2.1 days, of a day 7.2 hours); ``in_days`` converts."""

    upvotes: float = 1.0
    upvote_half_life: float = 0.3
    stars: float = 1.0
    star_half_life: float = 0.0
    star_total_weight: float = 0.3
    recency: float = 1.0
    recency_half_life: float = 0.4
    curator: float = 0.5

    @classmethod
    def from_settings(cls, settings: Settings) -> Weights:
        return cls(
            upvotes=settings.trending_upvote_weight,
            upvote_half_life=settings.trending_upvote_half_life,
            stars=settings.trending_star_weight,
            star_half_life=settings.trending_star_half_life,
            star_total_weight=settings.trending_star_total_weight,
            recency=settings.trending_recency_weight,
            recency_half_life=settings.trending_recency_half_life,
            curator=settings.trending_curator_weight,
        )

    @staticmethod
    def in_days(fraction: float, window_days: float) -> float:
        return fraction * window_days


def upvote_signal(times: Sequence[datetime], *, until: datetime, half_life_days: float) -> float:
    """``log1p`` of the decayed count of upvotes cast at ``times`` (all before ``until``)."""
    total = sum(decay(_days(t, until), half_life_days) for t in times)
    return math.log1p(total)


@dataclass(frozen=True, slots=True)
class StarVelocity:
    gained: int  # stars at the last observation minus the baseline's
    per_day: float  # recency-weighted stars gained per day, never negative
    stars: int | None  # the last observed count


def star_velocity(
    history: Sequence[tuple[datetime, int]],
    *,
    since: datetime,
    until: datetime,
    half_life_days: float,
) -> StarVelocity:
    """Stars gained in [since, until) from a sorted observation history.

    The baseline is the last observation before ``since`` (else the first one in the
    window). ``per_day`` is ``sum(gain_i * w_i) / sum(days_i * w_i)`` over the intervals
    between consecutive observations, ``w_i`` decaying with the age of the interval's
    middle; with a half-life of 0 it is the plain gained / days. One observation (or
    none) gives no velocity.
    """
    before = [(t, s) for t, s in history if t < since]
    inside = [(t, s) for t, s in history if since <= t < until]
    points = ([before[-1]] if before else []) + inside
    if not points:
        return StarVelocity(0, 0.0, before[-1][1] if before else None)
    stars = points[-1][1]
    if len(points) < 2:
        return StarVelocity(0, 0.0, stars)
    num = den = 0.0
    for (t0, s0), (t1, s1) in zip(points, points[1:], strict=False):
        span = _days(t0, t1)
        if span <= 0:
            continue
        weight = decay(_days(t0 + (t1 - t0) / 2, until), half_life_days)
        num += (s1 - s0) * weight
        den += span * weight
    per_day = max(num / den, 0.0) if den > 0 else 0.0
    return StarVelocity(stars - points[0][1], per_day, stars)


def star_signal(velocity: StarVelocity, *, total_weight: float) -> float:
    """``log1p(stars per day) + total_weight * log1p(stars)``: velocity first, with the
    repository's size as a prior (tuned by the backtest)."""
    return math.log1p(velocity.per_day) + total_weight * math.log1p(max(velocity.stars or 0, 0))


def recency_signal(born: datetime | None, *, until: datetime, half_life_days: float) -> float:
    """How new the paper is at ``until``: 1 just now, halving every ``half_life_days``."""
    if born is None:
        return 0.0
    return decay(_days(born, until), half_life_days) if half_life_days > 0 else 0.0


@dataclass(frozen=True, slots=True)
class Components:
    """The weighted terms of one paper's score; ``score`` is their sum."""

    upvotes: float = 0.0
    stars: float = 0.0
    recency: float = 0.0
    curator: float = 0.0

    @property
    def score(self) -> float:
        return self.upvotes + self.stars + self.recency + self.curator

    def as_dict(self) -> dict[str, float]:
        return {
            "upvotes": round(self.upvotes, 4),
            "stars": round(self.stars, 4),
            "recency": round(self.recency, 4),
            "curator": round(self.curator, 4),
        }


def combine(
    weights: Weights,
    *,
    upvotes: float = 0.0,
    stars: float = 0.0,
    recency: float = 0.0,
    curator: bool = False,
) -> Components:
    """Weight each signal by its setting."""
    return Components(
        upvotes=weights.upvotes * upvotes,
        stars=weights.stars * stars,
        recency=weights.recency * recency,
        curator=weights.curator if curator else 0.0,
    )
