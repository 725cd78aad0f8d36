"""The store methods (part of the ``Store`` protocol) for the discussion under each
paper: comments, their votes and reports, the curators' log, locked threads, followed
threads and authors' claims.

The rules (who may do what, depth, edit window, holds, limits) live in
``paperwire.discussion``; the store keeps rows and counts. A vote is a row of
``comment_votes`` (one per reader and comment, by its primary key); a comment's
``upvotes`` changes by an increment in the transaction that adds or removes that row,
so concurrent votes are counted exactly on both backends. Times are UTC-aware datetimes
passed in by the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

CommentState = Literal["visible", "held", "hidden", "deleted"]
COMMENT_STATES: tuple[CommentState, ...] = ("visible", "held", "hidden", "deleted")


@dataclass(frozen=True, slots=True)
class Comment:
    id: int
    paper_id: str
    parent_id: int | None
    user_id: int
    author: str  # the author's display name (never their address)
    depth: int  # 0 for a comment on the paper, 1 for a reply to it, ...
    body_md: str
    body_html: str
    state: CommentState
    upvotes: int
    created_at: datetime
    edited_at: datetime | None = None
    is_paper_author: bool = False  # a confirmed claim to be an author of the paper

    @property
    def is_visible(self) -> bool:
        return self.state == "visible"


@dataclass(frozen=True, slots=True)
class NewComment:
    """A comment to store (``add_comment``); the store gives it back as a ``Comment``."""

    paper_id: str
    user_id: int
    parent_id: int | None
    depth: int
    body_md: str
    body_html: str
    state: CommentState


@dataclass(frozen=True, slots=True)
class Report:
    id: int
    comment_id: int
    user_id: int
    reason: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ModerationEntry:
    """One thing a curator did: ``action`` is hide, restore, delete, approve, dismiss
    (reports), lock, unlock, confirm or reject (an author's claim)."""

    id: int
    curator_id: int
    curator: str
    action: str
    paper_id: str
    comment_id: int | None
    subject_id: int | None  # the reader an action was about (a claim), else None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CuratorAction:
    """What a curator did, to write to the log (``log_moderation``); see
    ``ModerationEntry`` for the actions."""

    curator_id: int
    curator: str
    action: str
    paper_id: str
    comment_id: int | None = None
    subject_id: int | None = None


@dataclass(frozen=True, slots=True)
class AuthorClaim:
    user_id: int
    author: str
    paper_id: str
    created_at: datetime
    confirmed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class FollowNews:
    """New visible comments in a thread a reader follows, by others, after the last one
    mailed to them (oldest first)."""

    user_id: int
    email: str
    paper_id: str
    comments: list[Comment]


class DiscussionStore(Protocol):
    # -- comments ----------------------------------------------------------------------

    def add_comment(self, new: NewComment, *, now: datetime) -> Comment: ...

    def get_comment(self, comment_id: int) -> Comment | None: ...

    def paper_comments(self, paper_id: str, *, viewer_id: int | None = None) -> list[Comment]:
        """The paper's visible comments, oldest first, with the viewer's own held ones."""
        ...

    def edit_comment(
        self, comment_id: int, *, body_md: str, body_html: str, now: datetime
    ) -> Comment | None: ...

    def set_comment_state(self, comment_id: int, state: CommentState) -> Comment | None: ...

    def count_comments(self, paper_ids: Sequence[str]) -> dict[str, int]:
        """Visible comments per paper (papers without any are left out)."""
        ...

    def user_comment_count(self, user_id: int, *, state: CommentState = "visible") -> int: ...

    def comments_in_state(self, state: CommentState, *, limit: int = 200) -> list[Comment]:
        """Comments in ``state``, oldest first (the curators' queue of held comments)."""
        ...

    def most_discussed(
        self, *, since: datetime, until: datetime, at_least: int = 1, limit: int
    ) -> list[tuple[str, int]]:
        """Papers by their visible comments written from ``since`` until before ``until``,
        most first (then by paper id); only papers with at least ``at_least`` of them."""
        ...

    # -- votes -------------------------------------------------------------------------

    def vote_comment(self, comment_id: int, user_id: int, *, now: datetime) -> bool:
        """Add the reader's vote; False when they had voted already (nothing changes)."""
        ...

    def unvote_comment(self, comment_id: int, user_id: int) -> bool: ...

    def voted_comments(self, user_id: int, comment_ids: Sequence[int]) -> set[int]: ...

    # -- reports and the curators' log -------------------------------------------------

    def add_report(self, comment_id: int, user_id: int, *, reason: str, now: datetime) -> bool:
        """File a report; False when the reader has an open one on this comment."""
        ...

    def open_reports(self, *, limit: int = 200) -> list[tuple[Comment, list[Report]]]:
        """Reported comments with their open reports, the earliest report first."""
        ...

    def resolve_reports(self, comment_id: int, *, by: int, now: datetime) -> int: ...

    def log_moderation(self, done: CuratorAction, *, now: datetime) -> None: ...

    def moderation_log(self, *, limit: int = 100) -> list[ModerationEntry]:
        """The latest first."""
        ...

    # -- locks, follows, claims --------------------------------------------------------

    def set_thread_lock(self, paper_id: str, *, by: int | None, now: datetime) -> None:
        """Lock the paper's discussion (``by``: the curator), or unlock it (``by=None``)."""
        ...

    def is_thread_locked(self, paper_id: str) -> bool: ...

    def follow_thread(self, user_id: int, paper_id: str, *, now: datetime) -> bool:
        """Follow from the newest comment there is; False when already following."""
        ...

    def unfollow_thread(self, user_id: int, paper_id: str) -> bool: ...

    def is_following(self, user_id: int, paper_id: str) -> bool: ...

    def follow_news(self, *, limit: int = 1000) -> list[FollowNews]:
        """For every followed thread with new comments by others: those comments."""
        ...

    def mark_follow_sent(self, user_id: int, paper_id: str, last_comment_id: int) -> None: ...

    def claim_authorship(self, user_id: int, paper_id: str, *, now: datetime) -> bool: ...

    def confirm_claim(
        self, user_id: int, paper_id: str, *, by: int, now: datetime
    ) -> AuthorClaim | None: ...

    def withdraw_claim(self, user_id: int, paper_id: str) -> bool: ...

    def reject_claim(self, user_id: int, paper_id: str) -> bool:
        """Remove the reader's claim if it still waits for a curator (a confirmed one
        stays); False when there is none waiting."""
        ...

    def get_claim(self, user_id: int, paper_id: str) -> AuthorClaim | None: ...

    def pending_claims(self, *, limit: int = 200) -> list[AuthorClaim]: ...
