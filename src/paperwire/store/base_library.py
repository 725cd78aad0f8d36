"""The store methods (part of the ``Store`` protocol) for a reader's library and the
recommendation models trained from it.

A reader's library is their named lists of papers (a default "Saved" and any others),
a per-paper mark (read, "not interested", a private note) and their interests for a
cold start (followed authors, free-text topics). Every change to what a model learns
from (lists, "not interested", upvotes, interests) bumps the reader's signal revision
in the same transaction; the refresh job retrains readers whose stored model is older
than their revision. Times are UTC-aware datetimes passed in by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from paperwire.errors import PaperwireError

#: The list every reader has; "save" without a list name saves here.
DEFAULT_LIST = "Saved"

InterestKind = Literal["author", "topic"]
INTEREST_KINDS: tuple[InterestKind, ...] = ("author", "topic")


class ListNameTaken(PaperwireError):
    """The reader has a list of that name already."""


#: How long a list name may be (characters).
MAX_LIST_NAME = 80


@dataclass(frozen=True, slots=True)
class ReaderList:
    id: int
    user_id: int
    name: str
    is_public: bool
    created_at: datetime
    count: int = 0  # papers in the list
    updated_at: datetime | None = None  # when a paper was last added


@dataclass(frozen=True, slots=True)
class LibraryEntry:
    """One paper a reader has done something with: the lists holding it (by name, in
    the order they were made), its marks and note, and when it entered the library."""

    paper_id: str
    lists: tuple[str, ...] = ()
    is_read: bool = False
    is_hidden: bool = False
    note: str | None = None
    added_at: datetime | None = None  # first added to a list (None: marked only)
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Interest:
    kind: InterestKind
    value: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Signals:
    """What a reader's model learns from: papers in any list or upvoted (positives, most
    recent first), papers marked "not interested" (negatives) and their interests."""

    user_id: int
    revision: int
    positives: list[str] = field(default_factory=list)
    negatives: list[str] = field(default_factory=list)
    interests: list[Interest] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StoredModel:
    """A reader's trained model on one vector tier: ``weights`` is little-endian float32
    (the tier's dimension), ``terms`` a JSON object (what the model says in reasons),
    ``revision`` the signal revision it was trained from."""

    user_id: int
    tier: str
    revision: int
    weights: bytes
    terms: str
    trained_at: datetime


class LibraryStore(Protocol):
    # -- lists -------------------------------------------------------------------------

    def reader_lists(self, user_id: int) -> list[ReaderList]:
        """The reader's lists, the default list first, then by name."""
        ...

    def get_list(self, list_id: int) -> ReaderList | None: ...

    def find_list(self, user_id: int, name: str) -> ReaderList | None:
        """The reader's list called ``name`` (names compare without regard to case)."""
        ...

    def ensure_list(self, user_id: int, name: str, *, now: datetime) -> ReaderList:
        """The reader's list called ``name``, made (private) when there is none."""
        ...

    def update_list(
        self, list_id: int, *, name: str | None = None, is_public: bool | None = None
    ) -> ReaderList | None:
        """Rename or share a list; ``ListNameTaken`` when the reader has a list of the
        new name already."""
        ...

    def delete_list(self, list_id: int) -> bool: ...

    def add_to_list(self, list_id: int, paper_ids: Sequence[str], *, now: datetime) -> list[str]:
        """Add the papers that exist and are not in the list yet, all stamped ``now``;
        the ids added, in the order given."""
        ...

    def add_entries(self, list_id: int, entries: Sequence[tuple[str, datetime]]) -> list[str]:
        """Add papers each with its own time, ``(paper id, added_at)``, in one write:
        those that exist and are not in the list yet (an id given twice keeps its first
        time). The ids added, in the order given; the reader's signals change once."""
        ...

    def remove_from_list(self, list_id: int, paper_ids: Sequence[str]) -> list[str]:
        """The ids taken out."""
        ...

    def list_paper_ids(
        self, list_id: int, *, limit: int | None = None, offset: int = 0
    ) -> list[str]:
        """The papers of a list, the last added first."""
        ...

    def lists_with_paper(self, user_id: int, paper_id: str) -> list[str]:
        """Names of the reader's lists holding the paper."""
        ...

    # -- marks and notes ---------------------------------------------------------------

    def set_marks(
        self,
        user_id: int,
        paper_ids: Sequence[str],
        *,
        read: bool | None = None,
        hidden: bool | None = None,
        now: datetime,
    ) -> list[str]:
        """Mark papers read or unread, "not interested" or not (``None`` leaves a mark as
        it is); only papers that exist. The ids whose marks changed."""
        ...

    def set_note(self, user_id: int, paper_id: str, note: str | None, *, now: datetime) -> bool:
        """Write (or with ``None`` or "" remove) the reader's private note; False for a
        paper that does not exist."""
        ...

    def library_entries(
        self, user_id: int, paper_ids: Sequence[str] | None = None
    ) -> dict[str, LibraryEntry]:
        """Every paper of the reader's library (or only those of ``paper_ids``), by id,
        in the order they entered it (the last first)."""
        ...

    def excluded_ids(self, user_id: int) -> set[str]:
        """Papers never to recommend to the reader: in a list, upvoted or hidden."""
        ...

    # -- interests (cold start) ------------------------------------------------------

    def add_interest(self, user_id: int, kind: InterestKind, value: str, *, now: datetime) -> bool:
        """False when the reader follows it already."""
        ...

    def remove_interest(self, user_id: int, kind: InterestKind, value: str) -> bool: ...

    def interests(self, user_id: int) -> list[Interest]: ...

    # -- signals and models ------------------------------------------------------------

    def signals(self, user_id: int) -> Signals: ...

    def readers_to_train(self, tier: str, *, limit: int | None = None) -> list[int]:
        """Readers with signals whose model on ``tier`` is missing or older than their
        signal revision, the longest waiting first."""
        ...

    def save_models(self, models: Iterable[StoredModel]) -> int: ...

    def delete_models(self, user_id: int) -> int:
        """Forget a reader's models (they have no signals left)."""
        ...

    def stored_models(self, tier: str, user_ids: Sequence[int] | None = None) -> list[StoredModel]:
        """The models on ``tier`` of the given readers (all readers when ``None``)."""
        ...

    # -- what readers save -------------------------------------------------------------

    def most_saved(self, *, since: datetime, limit: int) -> list[tuple[str, int]]:
        """Papers added to lists by the most readers since ``since``: (id, readers),
        most first, ties by the latest addition."""
        ...
