"""The store methods (part of the ``Store`` protocol) for
GitHub star fetching state and stored trending scores.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from paperwire.models import Paper


@dataclass(frozen=True, slots=True)
class RepoState:
    """What the last ``fetch github`` learned of one repository."""

    repo: str
    etag: str | None = None
    stars: int | None = None
    status: int | None = None
    checked_at: datetime | None = None
    moved_to: str | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class Curation:
    """A paper's submission flags (from the ``submissions`` table)."""

    by_curator: bool = False
    pinned: bool = False
    hidden: bool = False
    submitted_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TrendingRow:
    """One stored line of a ranking; ``components`` holds each weighted term."""

    paper_id: str
    score: float
    reason: str
    pinned: bool = False
    components: dict[str, float] | None = None


class RankStore(Protocol):
    # -- GitHub stars ----------------------------------------------------------------------

    def github_targets(self) -> list[tuple[str, list[str]]]:
        """Every repository named by a paper's ``github_repo`` (``owner/name``), ordered by
        name, with the ids of the papers naming it."""
        ...

    def repo_state(self, repo: str) -> RepoState | None: ...

    def record_repo(
        self,
        state: RepoState,
        *,
        paper_ids: Sequence[str],
        observed_at: datetime | None = None,
    ) -> None:
        """Keep ``state``; with ``observed_at`` and ``state.stars`` also add a star
        observation (one per paper naming the repo; history is never rewritten)."""
        ...

    def star_histories(
        self, repos: Sequence[str], *, until: datetime
    ) -> dict[str, list[tuple[datetime, int]]]:
        """Observations before ``until``, oldest first, by repository."""
        ...

    # -- what the trending score reads -----------------------------------------------------

    def trending_candidates(self, *, since: datetime, until: datetime) -> list[Paper]:
        """Papers known before ``until`` that entered a feed (or were published) since
        ``since``, got a local upvote or a star observation in [since, until)."""
        ...

    def upvote_times(
        self, paper_ids: Sequence[str], *, until: datetime
    ) -> dict[str, list[datetime]]:
        """Local upvotes (the ``upvotes`` table) cast before ``until``, by paper; empty when
        the accounts tables do not exist."""
        ...

    def curation(self, paper_ids: Sequence[str]) -> dict[str, Curation]:
        """Submission flags by paper; empty when the accounts tables do not exist."""
        ...

    # -- stored rankings -------------------------------------------------------------------

    def save_trending(self, *, window: str, at: date, rows: Iterable[TrendingRow]) -> int:
        """Replace the stored ranking of (window, at) with ``rows`` in their order."""
        ...

    def stored_trending(
        self, *, window: str, at: date, limit: int, offset: int = 0
    ) -> list[TrendingRow] | None:
        """The stored ranking's rows; None when (window, at) was never computed."""
        ...

    def latest_trending_day(self, window: str) -> date | None: ...

    def latest_activity_day(self, *, until: date | None = None) -> date | None:
        """The latest day on which a daily feed first announced a paper (a day that only
        repeats earlier listings does not count) or with a local upvote (none after
        ``until``): where rankings stand by default."""
        ...
