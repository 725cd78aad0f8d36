"""Compute one trending ranking (window, day) from what the store knew on that day.

"As it stood on ``at``" means: the window is the ``at`` day and the days before it
(1, 7 or 30 days in all), everything is measured at the end of ``at`` (00:00 UTC the day
after), and only papers, local upvotes and star observations dated before then count.
Imported upvotes (``papers.upvotes``, from Hugging Face daily papers) have no times of
their own: they count at noon UTC of the paper's feed day.

Order: pinned papers first, then by score, then newer first, then by id. Hidden papers
are never listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from paperwire.models import Paper
from paperwire.rank.score import (
    StarVelocity,
    Weights,
    combine,
    recency_signal,
    star_signal,
    star_velocity,
    upvote_signal,
)
from paperwire.store.base import Store
from paperwire.store.base_rank import Curation, TrendingRow

WINDOW_DAYS: dict[str, int] = {"day": 1, "week": 7, "month": 30}
WINDOW_WORDS: dict[str, str] = {"day": "today", "week": "this week", "month": "this month"}
_IMPORTED_FEED = "hf-daily"


def check_window(window: str) -> str:
    if window not in WINDOW_DAYS:
        raise ValueError(f"window: expected one of day, week, month, got {window!r}")
    return window


def window_days(window: str, at: date) -> tuple[date, date]:
    """The first and last day of ``window`` ending on ``at`` (both included)."""
    return at - timedelta(days=WINDOW_DAYS[check_window(window)] - 1), at


def window_bounds(window: str, at: date) -> tuple[datetime, datetime]:
    """[since, until) in UTC: from the first day's start to the end of ``at``."""
    first, last = window_days(window, at)
    return (
        datetime.combine(first, time(), UTC),
        datetime.combine(last + timedelta(days=1), time(), UTC),
    )


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12), UTC)


def _imported_day(paper: Paper) -> date | None:
    """The feed day imported upvotes are counted on: the Hugging Face one, else the first."""
    days = sorted(paper.feed_dates)
    imported = [f.day for f in days if f.feed == _IMPORTED_FEED]
    if imported:
        return imported[0]
    return days[0].day if days else None


def born_at(paper: Paper) -> datetime | None:
    """When the paper became known: its publication or first feed day (noon), the earlier."""
    times: list[datetime] = []
    if paper.published_at is not None:
        times.append(paper.published_at)
    if paper.feed_dates:
        times.append(_noon(min(paper.feed_dates, key=lambda f: f.day).day))
    return min(times) if times else paper.first_seen_at


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def reason_for(
    *,
    window: str,
    upvotes: int,
    velocity: StarVelocity,
    curation: Curation | None,
    is_new: bool,
) -> str:
    """ "12 upvotes today, +340 stars this week": what moved the paper up, in words."""
    when = WINDOW_WORDS[window]
    parts: list[str] = []
    if curation is not None and curation.pinned:
        parts.append("pinned by a curator")
    if upvotes:
        parts.append(f"{_plural(upvotes, 'upvote')} {when}")
    if velocity.gained > 0:
        parts.append(f"+{velocity.gained} {'star' if velocity.gained == 1 else 'stars'} {when}")
    if curation is not None and curation.by_curator:
        parts.append("submitted by a curator")
    if not parts and is_new:
        parts.append(f"new {when}")
    return ", ".join(parts) or f"in the feed {when}"


@dataclass(frozen=True, slots=True)
class Ranked:
    paper: Paper
    row: TrendingRow
    born: datetime | None


def compute_trending(
    store: Store, weights: Weights, *, window: str, at: date
) -> list[tuple[Paper, TrendingRow]]:
    """The whole ranking of ``window`` as it stood at the end of ``at``."""
    since, until = window_bounds(window, at)
    first_day = window_days(window, at)[0]
    length = WINDOW_DAYS[window]
    upvote_half_life = Weights.in_days(weights.upvote_half_life, length)
    star_half_life = Weights.in_days(weights.star_half_life, length)
    recency_half_life = Weights.in_days(weights.recency_half_life, length)
    candidates = store.trending_candidates(since=since, until=until)
    ids = [p.id for p in candidates]
    curation = store.curation(ids)
    local = store.upvote_times(ids, until=until)
    repos = [p.github_repo for p in candidates if p.github_repo]
    histories = store.star_histories(repos, until=until)
    ranked: list[Ranked] = []
    for paper in candidates:
        flags = curation.get(paper.id)
        if flags is not None and flags.hidden:
            continue
        votes = [t for t in local.get(paper.id, []) if since <= t < until]
        imported_day = _imported_day(paper)
        imported = paper.upvotes or 0
        if imported and imported_day is not None and since <= _noon(imported_day) < until:
            votes += [_noon(imported_day)] * imported
        history = histories.get(paper.github_repo.lower(), []) if paper.github_repo else []
        velocity = star_velocity(history, since=since, until=until, half_life_days=star_half_life)
        born = born_at(paper)
        is_new = born is not None and since <= born < until
        # first announced in the window: a feed repeating an older listing adds nothing
        announced = paper.first_day
        in_feed = announced is not None and first_day <= announced <= at
        is_curated = bool(flags and flags.by_curator)
        listed = is_new or in_feed or votes or velocity.gained > 0 or is_curated
        if not (listed or (flags and flags.pinned)):
            continue  # known through an observation, but nothing happened in the window
        terms = combine(
            weights,
            upvotes=upvote_signal(votes, until=until, half_life_days=upvote_half_life),
            stars=star_signal(velocity, total_weight=weights.star_total_weight)
            if velocity.stars is not None
            else 0.0,
            recency=recency_signal(born, until=until, half_life_days=recency_half_life),
            curator=is_curated,
        )
        row = TrendingRow(
            paper_id=paper.id,
            score=round(terms.score, 6),
            reason=reason_for(
                window=window,
                upvotes=len(votes),
                velocity=velocity,
                curation=flags,
                is_new=is_new,
            ),
            pinned=bool(flags and flags.pinned),
            components=terms.as_dict(),
        )
        ranked.append(Ranked(paper, row, born))
    ranked.sort(
        key=lambda r: (
            not r.row.pinned,
            -r.row.score,
            -(r.born.timestamp() if r.born else 0.0),
            r.paper.id,
        )
    )
    return [(r.paper, r.row) for r in ranked]


__all__ = [
    "WINDOW_DAYS",
    "compute_trending",
    "reason_for",
    "window_bounds",
    "window_days",
]
