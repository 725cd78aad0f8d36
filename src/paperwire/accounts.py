"""Readers and what they put on the daily feed: plain dataclasses, no I/O.

A module of its own, below both ``store`` (which keeps accounts) and ``auth`` (which signs
readers in and takes their submissions), so neither imports the other's types.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from paperwire.errors import PaperwireError

Role = Literal["reader", "curator", "admin"]
ROLES: tuple[Role, ...] = ("reader", "curator", "admin")


@dataclass(frozen=True, slots=True)
class User:
    id: int
    email: str
    role: str
    created_at: datetime | None = None

    @property
    def is_curator(self) -> bool:
        """Curators and admins submit without caps and pin, hide or remove submissions."""
        return self.role in ("curator", "admin")

    @property
    def display_name(self) -> str:
        """What other readers see (``submitted_by``): the part of the address before ``@``."""
        return self.email.split("@", 1)[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "email": self.email,
            "role": self.role,
            "created_at": self.created_at.isoformat() if self.created_at else None,
        }


@dataclass(frozen=True, slots=True)
class Submission:
    """A paper a reader (or a curator) put on the daily feed of ``day``."""

    paper_id: str
    user_id: int | None
    day: date
    submitted_at: datetime
    by_curator: bool
    pinned: bool = False
    hidden: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "paper_id": self.paper_id,
            "user_id": self.user_id,
            "day": self.day.isoformat(),
            "submitted_at": self.submitted_at.isoformat(),
            "by_curator": self.by_curator,
            "pinned": self.pinned,
            "hidden": self.hidden,
        }


#: The feed name of submitted papers in ``Paper.feed_dates`` (and ``paper_days``).
SUBMITTED_FEED = "submitted"


class DuplicateSubmission(PaperwireError):
    """The paper is already on the daily feed (submitted, or imported from a daily feed)."""


class SubmissionCapReached(PaperwireError):
    """The reader already submitted as many papers today as one may."""
