"""The one storage seam: what the rest of paperwire needs from a database.

Callers (ingest, the CLI, later the web app and jobs) depend on this protocol only;
``open_store(url)`` picks the backend. Backends return models, never cursors, and
keep their SQL to themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from paperwire.models import Filters, Paper, Scored, Stats, UpsertCounts
from paperwire.store.base_accounts import AccountsStore
from paperwire.store.base_digests import DigestStore
from paperwire.store.base_discussion import DiscussionStore
from paperwire.store.base_library import LibraryStore
from paperwire.store.base_rank import RankStore
from paperwire.store.base_topics import TopicStore


@dataclass(frozen=True, slots=True)
class VectorRow:
    """One stored vector: ``seq`` grows with every write, ``key`` is the paper's stable
    integer key (what vector indexes store), ``vector`` is float16 bytes."""

    seq: int
    key: int
    paper_id: str
    vector: bytes


@dataclass(frozen=True, slots=True)
class SimilarList:
    """The similar papers of one paper, best first, and what they were computed from:
    the paper's ``text_hash`` and the vector tiers that took part (``basis``)."""

    paper_id: str
    text_hash: str
    basis: str
    papers: list[Scored]


class Store(
    AccountsStore, RankStore, DigestStore, TopicStore, LibraryStore, DiscussionStore, Protocol
):
    url: str

    def migrate(self) -> list[str]:
        """Apply pending migrations, each in its own transaction; return their names."""
        ...

    def pending_migrations(self) -> list[str]: ...

    def atomic(self) -> AbstractContextManager[None]:
        """A write transaction: everything inside commits together or not at all.

        Nested uses join the outer transaction.
        """
        ...

    def upsert_papers(self, papers: Iterable[Paper]) -> UpsertCounts:
        """Insert new papers and merge reports of known ones (see ``paperwire.merge``)."""
        ...

    def get_paper(self, paper_id: str) -> Paper | None: ...

    def list_papers(
        self,
        *,
        day: date | None = None,
        until: date | None = None,
        category: str | None = None,
        submitter: str | None = None,
        limit: int = 50,
        offset: int = 0,
        order: str = "newest",
    ) -> list[Paper]:
        """Newest first (or, with ``order="upvotes"``, papers a curator pinned, then the
        most upvoted). ``day``: papers first announced that day (``until``: through that
        day), each on its ``Paper.first_day`` only: a feed that lists a paper again on a
        later day does not list it on that day."""
        ...

    def feed_days(self, around: date | None = None) -> tuple[date | None, date | None, date | None]:
        """(previous day with papers before ``around``, latest day, next day after it):
        days on which some paper was first announced (``Paper.first_day``), so days that
        only repeat earlier listings are skipped."""
        ...

    def iter_papers(self, *, batch_size: int = 1000) -> Iterator[Paper]: ...

    def count_papers(self) -> int: ...

    def stats(self) -> Stats: ...

    def star_history(self, paper_id: str) -> list[tuple[datetime, int]]: ...

    # -- what the search indexes need -------------------------------------------------

    def max_revision(self) -> int:
        """Every write gives the paper a new, higher revision number."""
        ...

    def cache_version(self) -> int:
        """Grows with every write of papers and of what jobs compute from them (similar
        lists, rankings): a page cached at one version is current while it holds."""
        ...

    def changed_papers(self, *, after: int, limit: int) -> list[tuple[int, Paper]]: ...

    def deleted_papers(self, *, after: int) -> list[tuple[int, str, int]]: ...

    def get_papers(self, ids: Sequence[str]) -> dict[str, Paper]: ...

    def known_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` name stored papers (no paper is read: cheap for thousands)."""
        ...

    def ids_with_doi(self, doi: str) -> list[str]:
        """The papers whose ``doi`` field is ``doi``, compared without regard to case."""
        ...

    def ids_with_title(self, title: str) -> list[str]:
        """The papers whose title is ``title``, compared by ``title_key`` (case, accents,
        spacing and punctuation aside)."""
        ...

    def filter_ids(self, ids: Sequence[str], filters: Filters) -> set[str]: ...

    def matching_ids(self, filters: Filters) -> list[str]: ...

    def vector_hashes(self, tier: str, ids: Sequence[str]) -> dict[str, str]: ...

    def save_vectors(self, tier: str, rows: Iterable[tuple[str, str, bytes]]) -> int: ...

    def vectors_after(self, tier: str, *, after: int, limit: int) -> list[VectorRow]: ...

    def mark_vectors_stale(self, tier: str) -> int: ...

    def count_vectors(self, tier: str) -> int: ...

    def vectors_of(self, tier: str, ids: Sequence[str]) -> dict[str, bytes]:
        """The stored vectors of these papers on ``tier`` (papers without one are left out)."""
        ...

    def sample_vectors(self, tier: str, n: int, *, seed: int = 0) -> list[tuple[str, bytes]]:
        """About ``n`` stored vectors of ``tier`` drawn at random (the same ones for the
        same seed and store): what an average paper looks like, for models to learn from."""
        ...

    def papers_missing_vectors(self, tier: str, *, limit: int) -> list[Paper]: ...

    def ids_for_keys(self, keys: Sequence[int]) -> dict[int, str]: ...

    def keys_for_ids(self, ids: Sequence[str]) -> dict[str, int]: ...

    # -- similar papers (stored by the index job, read by pages and the API) ----------

    def save_similar(self, lists: Iterable[SimilarList]) -> int: ...

    def delete_similar(self, ids: Sequence[str]) -> int: ...

    def stored_similar(self, paper_id: str, *, limit: int) -> list[Scored] | None:
        """The stored list, best first; None when none is stored yet."""
        ...

    def similar_markers(self, ids: Sequence[str]) -> dict[str, tuple[str, str]]: ...

    def papers_missing_similar(self, *, limit: int | None = None) -> list[str]: ...

    def papers_listing(self, ids: Sequence[str]) -> set[str]: ...

    def similar_computed_before(self, before: datetime, *, limit: int) -> list[str]: ...

    def count_similar(self) -> int: ...

    def get_checkpoint(self, name: str) -> dict[str, Any] | None: ...

    def set_checkpoint(self, name: str, value: dict[str, Any]) -> None: ...

    def close(self) -> None: ...
