"""The store methods (part of the ``Store`` protocol) for
subscriptions, the digest outbox and what each subscriber was sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

#: Subscriber states; only ``confirmed`` subscribers get digests.
PENDING, CONFIRMED, UNSUBSCRIBED, SUSPENDED = "pending", "confirmed", "unsubscribed", "suspended"
#: Outbox states.
QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"


@dataclass(slots=True)
class Preferences:
    """What a subscriber chose: how often, which categories, which free-text topics."""

    frequency: str = "daily"
    categories: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    timezone: str = "UTC"


@dataclass(slots=True)
class Subscriber:
    id: int
    email: str
    status: str
    prefs: Preferences
    created_at: datetime
    confirmed_at: datetime | None = None
    confirm_sent_at: datetime | None = None
    failures: int = 0

    @property
    def is_active(self) -> bool:
        return self.status == CONFIRMED


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """A composed digest, ready to be written to the outbox with the papers it holds:
    ``content`` is the composition (``paperwire.digest.outbox.encode``), not the message."""

    subscriber_id: int
    period: str
    recipient: str
    message_id: str
    content: str
    paper_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """An outbox row claimed for sending; ``created_at`` (when it was composed) is the
    message's ``Date`` and the time its links are signed at."""

    id: int
    subscriber_id: int
    period: str
    recipient: str
    message_id: str
    content: str
    attempts: int
    claimed_by: str
    created_at: datetime


class DigestStore(Protocol):
    # -- subscribers ----------------------------------------------------------------------

    def request_subscription(
        self, email: str, prefs: Preferences, *, now: datetime, resend_after: float
    ) -> bool:
        """Record a pending subscription unless the address is known; True when a
        confirmation mail may be sent now (none went out in the last ``resend_after`` s)."""
        ...

    def confirm_subscription(self, email: str, prefs: Preferences, *, now: datetime) -> Subscriber:
        """Confirm (or re-confirm with new preferences) the subscription of ``email``."""
        ...

    def get_subscriber(self, subscriber_id: int) -> Subscriber | None: ...

    def subscriber_by_email(self, email: str) -> Subscriber | None: ...

    def update_preferences(self, subscriber_id: int, prefs: Preferences) -> Subscriber | None: ...

    def set_subscriber_status(self, subscriber_id: int, status: str) -> Subscriber | None: ...

    def subscribers(
        self, *, status: str = CONFIRMED, frequency: str | None = None
    ) -> list[Subscriber]: ...

    def add_subscribers(self, rows: Iterable[tuple[str, Preferences]], *, now: datetime) -> int:
        """Confirmed subscribers in bulk (imports and benchmarks); known addresses are skipped."""
        ...

    # -- the outbox -----------------------------------------------------------------------

    def composed_periods(self, period: str) -> set[int]:
        """Subscribers that already have an outbox row for ``period``."""
        ...

    def sent_papers(self, subscriber_ids: Sequence[int]) -> dict[int, set[str]]: ...

    def add_outbox(self, entries: Iterable[OutboxEntry], *, now: datetime) -> int:
        """Write outbox rows and the papers they hold in one transaction; a (subscriber,
        period) that already has a row is skipped. Returns how many rows were new."""
        ...

    def claim_outbox(
        self, *, claimed_by: str, now: datetime, sent: int | None = None
    ) -> OutboxItem | None:
        """Mark the next due row ``sending`` by ``claimed_by`` (committed) and return it;
        ``sent``: first mark that row sent, in the same transaction (one commit a message)."""
        ...

    def release_orphans(
        self,
        *,
        is_dead: Callable[[str], bool],
        stale_before: datetime,
        give_up_after: int | None = None,
    ) -> tuple[int, int]:
        """Put rows left ``sending`` by a dead sender (or claimed before ``stale_before``)
        back in the queue, or fail them once claimed ``give_up_after`` times; returns how
        many were queued again and how many failed."""
        ...

    def mark_sent(self, item_id: int, *, claimed_by: str, now: datetime) -> None: ...

    def mark_retry(self, item_id: int, *, error: str, next_attempt_at: datetime) -> None: ...

    def mark_failed(self, item_id: int, *, error: str, suspend_after: int) -> bool:
        """A permanent failure: the row fails and the address counts one more; True when
        that suspended the address."""
        ...

    def next_attempt_at(self) -> datetime | None:
        """When the earliest queued row is due (None: nothing queued)."""
        ...

    def outbox_counts(self) -> dict[str, int]: ...

    # -- the scheduler --------------------------------------------------------------------

    def job_runs(self) -> dict[str, datetime]:
        """When each scheduled job last ran (``record_job_run``), by job name."""
        ...

    def record_job_run(self, name: str, *, at: datetime) -> None:
        """Remember that the job ``name`` ran at ``at`` (a later time only moves forward)."""
        ...

    def claim_job(
        self, name: str, holder: str, *, now: datetime, until: datetime, ran_since: datetime | None
    ) -> bool:
        """Claim the job ``name`` for ``holder`` until ``until``: false when another claim
        on it holds at ``now``, or (with ``ran_since``) when it ran at or after
        ``ran_since`` (another worker ran that scheduled time). Several workers may race;
        one wins."""
        ...

    def job_leases(self) -> dict[str, str]:
        """Who holds a claim on each job (expired claims included), by job name."""
        ...

    def renew_job(self, name: str, holder: str, *, until: datetime) -> bool:
        """Extend ``holder``'s claim on ``name``; false when it holds it no longer."""
        ...

    def finish_job(self, name: str, holder: str, *, started: datetime) -> None:
        """Record the run of ``name`` that started at ``started`` and let ``holder``'s
        claim go, in one transaction."""
        ...
