"""The store methods (part of the ``Store`` protocol) for
accounts, sign-in links, sessions, API tokens, upvotes and submissions.

Secrets (link nonces, session and API tokens) reach the store only as their SHA-256
(``paperwire.signing.token_hash``). Times are UTC-aware datetimes; ``now`` is always
passed in, so callers (and tests) decide what time it is.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from paperwire.accounts import Submission, User
from paperwire.models import Paper


class AccountsStore(Protocol):
    # -- users -------------------------------------------------------------------------

    def add_user(self, email: str, *, role: str, now: datetime) -> User:
        """Create the account, or set the role of an existing one."""
        ...

    def ensure_user(self, email: str, *, now: datetime) -> User:
        """The account of ``email``, created as a reader when there is none."""
        ...

    def get_user(self, user_id: int) -> User | None: ...

    def user_by_email(self, email: str) -> User | None: ...

    def list_users(self) -> list[User]: ...

    # -- sign-in links, sessions, API tokens -------------------------------------------

    def add_login_link(
        self, token_hash: str, *, email: str, now: datetime, expires_at: datetime
    ) -> None: ...

    def consume_login_link(self, token_hash: str, *, now: datetime) -> str | None:
        """Mark the link used and return its address; None when it is unknown, used or
        expired (one transaction: two concurrent uses cannot both succeed)."""
        ...

    def add_session(
        self, token_hash: str, *, user_id: int, now: datetime, expires_at: datetime
    ) -> None: ...

    def session_user(self, token_hash: str, *, now: datetime) -> User | None: ...

    def delete_session(self, token_hash: str) -> None: ...

    def add_api_token(self, token_hash: str, *, user_id: int, now: datetime) -> int: ...

    def token_user(self, token_hash: str) -> User | None: ...

    def revoke_api_tokens(self, user_id: int, *, now: datetime) -> int:
        """Revoke every live API token of the user; returns how many."""
        ...

    def hit_rate_limit(
        self, bucket: str, *, limit: int, window: float, now: datetime
    ) -> float | None:
        """Count one event in ``bucket``; past ``limit`` events within ``window`` seconds
        nothing is counted and the seconds until one is allowed again are returned."""
        ...

    # -- upvotes -----------------------------------------------------------------------

    def add_upvote(self, user_id: int, paper_id: str, *, now: datetime) -> Paper | None:
        """Upvote once (idempotent); the paper with its counts, None for an unknown paper."""
        ...

    def remove_upvote(self, user_id: int, paper_id: str) -> Paper | None: ...

    def upvoted_ids(self, user_id: int, paper_ids: list[str] | None = None) -> list[str]:
        """What the user upvoted (among ``paper_ids``), most recent first."""
        ...

    # -- submissions -------------------------------------------------------------------

    def add_submission(
        self, paper: Paper, *, user: User, now: datetime, cap: int | None = None
    ) -> Submission:
        """Put the paper on the daily feed of ``now``'s day (upserting it), in one
        transaction; raises ``DuplicateSubmission`` when it is already there and
        ``SubmissionCapReached`` when the user already submitted ``cap`` papers that day."""
        ...

    def get_submission(self, paper_id: str) -> Submission | None: ...

    def count_submissions(self, user_id: int, day: date) -> int: ...

    def user_submissions(self, user_id: int) -> list[Submission]: ...

    def update_submission(
        self, paper_id: str, *, pinned: bool | None = None, hidden: bool | None = None
    ) -> Submission | None:
        """Pin or hide (hidden submissions leave the daily feed); None when unknown."""
        ...

    def remove_submission(self, paper_id: str) -> bool:
        """Take the paper off the daily feed and forget the submission."""
        ...
