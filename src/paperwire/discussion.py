"""The discussion under each paper: the one place its rules live. Pages, the API and the
worker call these functions; the store (``store/base_discussion.py``) keeps what they
decide.

- A signed-in reader comments on a paper or replies to a visible comment of it. Threads
  are ``MAX_DEPTH`` levels deep (a comment on the paper is level 1): a reply to a
  comment on the deepest level becomes a reply to that comment's parent, beside it.
- The Markdown is checked (``check_body``: not empty, at most ``MAX_BODY`` characters
  after control characters are taken out) and rendered to HTML once, here, on write
  (``comment_text.render_comment``); pages, feeds and mail show the stored HTML.
- Limits: ``comment_limit`` comments per ``comment_limit_window`` seconds per reader;
  an account younger than ``comment_hold_days`` days has its comments held (seen by
  itself and curators only) until a curator approves one; votes count against
  ``upvote_limit`` a minute, reports against ``REPORT_LIMIT`` an hour.
- The author edits within ``comment_edit_minutes`` (then it shows "edited") and deletes
  their own comment at any time. Curators hide, restore, delete and approve comments,
  dismiss reports, lock and unlock threads and confirm or reject authors' claims; each
  of these is written to the moderation log with who and when, in the same transaction.
- A locked thread takes no new comments, replies, edits or votes (curators may still
  write). Hidden, held (for others) and deleted comments are left out of pages, the API,
  feeds, mail and counts; their replies stay, under "a removed comment".
- Posting a comment follows the thread; followers get new comments by others by mail
  (``discussion_mail.py``, batched by the worker) and in the paper's Atom feed.

Errors::

    PaperwireError
     └── DiscussionError       a request the discussion refuses (the message says why)
          ├── BadComment       empty, or longer than MAX_BODY          (422)
          ├── NoSuchComment    no visible comment of that id here      (404)
          ├── NotAllowed       not the author, edit window over, role   (403)
          ├── ThreadLocked     the thread is locked                    (423)
          └── TooMany          past a rate limit; ``retry_after``       (429)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from paperwire.accounts import User
from paperwire.comment_text import MAX_BODY, clean_markdown, render_comment
from paperwire.config import Settings
from paperwire.errors import PaperwireError
from paperwire.store.base import Store
from paperwire.store.base_discussion import (
    AuthorClaim,
    Comment,
    CommentState,
    CuratorAction,
    NewComment,
)

#: Levels of a thread: a comment on the paper, then replies up to this many levels deep.
MAX_DEPTH = 5
#: Reports one reader may file an hour.
REPORT_LIMIT = 20
REPORT_WINDOW = 3600.0
#: The most characters of a report's reason.
MAX_REASON = 500
#: Votes are counted per reader over this many seconds (``upvote_limit``).
VOTE_WINDOW = 60.0

Sort = Literal["votes", "time"]
SORTS: tuple[Sort, ...] = ("votes", "time")
Action = Literal["hide", "restore", "delete", "approve", "dismiss"]
ACTIONS: tuple[Action, ...] = ("hide", "restore", "delete", "approve", "dismiss")


class DiscussionError(PaperwireError):
    status = 400


class BadComment(DiscussionError):
    status = 422


class NoSuchComment(DiscussionError):
    status = 404


class NotAllowed(DiscussionError):
    status = 403


class ThreadLocked(DiscussionError):
    status = 423


class TooMany(DiscussionError):
    status = 429

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after + 0.999))


def check_body(body: str) -> str:
    """The Markdown as it will be stored; ``BadComment`` when empty or too long."""
    if len(body) > MAX_BODY * 4:  # far over: refused before it is cleaned at all
        raise BadComment(f"a comment is at most {MAX_BODY:,} characters (got {len(body):,})")
    cleaned = clean_markdown(body)
    if not cleaned:
        raise BadComment("the comment is empty")
    if len(cleaned) > MAX_BODY:
        raise BadComment(f"a comment is at most {MAX_BODY:,} characters (got {len(cleaned):,})")
    return cleaned


def preview(body: str) -> str:
    """The HTML a comment with this Markdown would show (checked as a post is)."""
    return render_comment(check_body(body))


def _limit(
    store: Store, bucket: str, *, limit: int, window: float, now: datetime, what: str
) -> None:
    wait = store.hit_rate_limit(bucket, limit=limit, window=window, now=now)
    if wait is not None:
        per = f"{int(window // 60)} minutes" if window != 60 else "a minute"
        if window == 3600:
            per = "an hour"
        raise TooMany(f"too many {what}: at most {limit} in {per}", wait)


def _visible_comment(store: Store, paper_id: str, comment_id: int) -> Comment:
    found = store.get_comment(comment_id)
    if found is None or found.paper_id != paper_id or not found.is_visible:
        raise NoSuchComment(f"there is no comment {comment_id} on paper {paper_id}")
    return found


def _own_comment(store: Store, paper_id: str, comment_id: int, user: User) -> Comment:
    found = store.get_comment(comment_id)
    if (
        found is None
        or found.paper_id != paper_id
        or found.state in ("hidden", "deleted")
        or (found.state == "held" and found.user_id != user.id and not user.is_curator)
    ):
        raise NoSuchComment(f"there is no comment {comment_id} on paper {paper_id}")
    return found


def is_held(store: Store, settings: Settings, user: User, now: datetime) -> bool:
    """Whether the reader's next comment waits for a curator (a new account with no
    approved comment yet)."""
    if user.is_curator or settings.comment_hold_days == 0 or user.created_at is None:
        return False
    if now - user.created_at >= timedelta(days=settings.comment_hold_days):
        return False
    return store.user_comment_count(user.id) == 0


def post_comment(
    store: Store,
    settings: Settings,
    *,
    user: User,
    paper_id: str,
    body: str,
    parent_id: int | None = None,
    now: datetime,
) -> Comment:
    """Post a comment (``parent_id`` None) or a reply; the poster follows the thread."""
    markdown = check_body(body)
    if store.is_thread_locked(paper_id) and not user.is_curator:
        raise ThreadLocked("this discussion is locked: it takes no new comments")
    depth = 0
    if parent_id is not None:
        parent = _visible_comment(store, paper_id, parent_id)
        if parent.depth >= MAX_DEPTH - 1:  # the deepest level: a reply goes beside it
            parent_id, depth = parent.parent_id, parent.depth
        else:
            depth = parent.depth + 1
    _limit(
        store,
        f"comment:{user.id}",
        limit=settings.comment_limit,
        window=settings.comment_limit_window,
        now=now,
        what="comments",
    )
    state: CommentState = "held" if is_held(store, settings, user, now) else "visible"
    with store.atomic():
        new = NewComment(
            paper_id, user.id, parent_id, depth, markdown, render_comment(markdown), state
        )
        made = store.add_comment(new, now=now)
        store.follow_thread(user.id, paper_id, now=now)
        store.mark_follow_sent(user.id, paper_id, made.id)
    return made


def can_edit(comment: Comment, user: User | None, settings: Settings, now: datetime) -> bool:
    return (
        user is not None
        and comment.user_id == user.id
        and comment.state in ("visible", "held")
        and now - comment.created_at <= timedelta(minutes=settings.comment_edit_minutes)
    )


def edit_comment(
    store: Store,
    settings: Settings,
    *,
    user: User,
    paper_id: str,
    comment_id: int,
    body: str,
    now: datetime,
) -> Comment:
    found = _own_comment(store, paper_id, comment_id, user)
    if found.user_id != user.id:
        raise NotAllowed("only its author may edit a comment")
    if not can_edit(found, user, settings, now):
        raise NotAllowed(
            f"a comment may be edited within {settings.comment_edit_minutes} minutes of "
            "posting; this one no longer can be"
        )
    if store.is_thread_locked(paper_id) and not user.is_curator:
        raise ThreadLocked("this discussion is locked: comments cannot be edited")
    markdown = check_body(body)
    edited = store.edit_comment(
        comment_id, body_md=markdown, body_html=render_comment(markdown), now=now
    )
    if edited is None:
        raise NoSuchComment(f"there is no comment {comment_id} on paper {paper_id}")
    return edited


def delete_comment(
    store: Store, *, user: User, paper_id: str, comment_id: int, now: datetime
) -> Comment:
    """The author deletes their comment; a curator deletes anyone's (logged)."""
    found = _own_comment(store, paper_id, comment_id, user)
    if found.user_id == user.id:
        deleted = store.set_comment_state(comment_id, "deleted")
        assert deleted is not None
        return deleted
    if not user.is_curator:
        raise NotAllowed("only its author or a curator may delete a comment")
    return moderate(
        store, curator=user, paper_id=paper_id, comment_id=comment_id, action="delete", now=now
    )


def _log(
    store: Store,
    curator: User,
    action: str,
    *,
    paper_id: str,
    comment_id: int | None = None,
    subject_id: int | None = None,
    now: datetime,
) -> None:
    """Write what the curator did to the moderation log (inside the change's transaction)."""
    done = CuratorAction(curator.id, curator.display_name, action, paper_id, comment_id, subject_id)
    store.log_moderation(done, now=now)


_STATE_OF: dict[Action, CommentState | None] = {
    "hide": "hidden",
    "restore": "visible",
    "delete": "deleted",
    "approve": "visible",
    "dismiss": None,  # reports dismissed, the comment stays as it is
}


def moderate(
    store: Store,
    *,
    curator: User,
    paper_id: str,
    comment_id: int,
    action: Action,
    now: datetime,
) -> Comment:
    """A curator's decision on a comment: its new state, its open reports closed and the
    log entry, in one transaction."""
    if not curator.is_curator:
        raise NotAllowed("only curators moderate comments")
    found = store.get_comment(comment_id)
    if found is None or found.paper_id != paper_id:
        raise NoSuchComment(f"there is no comment {comment_id} on paper {paper_id}")
    if action == "approve" and found.state != "held":
        raise DiscussionError("only a held comment can be approved")
    if action == "restore" and found.state not in ("hidden", "deleted"):
        raise DiscussionError("only a hidden or deleted comment can be restored")
    state = _STATE_OF[action]
    with store.atomic():
        changed = found if state is None else store.set_comment_state(comment_id, state)
        assert changed is not None
        store.resolve_reports(comment_id, by=curator.id, now=now)
        _log(store, curator, action, paper_id=paper_id, comment_id=comment_id, now=now)
    return changed


def vote(
    store: Store,
    settings: Settings,
    *,
    user: User,
    paper_id: str,
    comment_id: int,
    up: bool,
    now: datetime,
) -> tuple[Comment, bool]:
    """Upvote a visible comment (``up``) or take the vote back; idempotent. The comment
    with its count, and whether the reader now upvotes it."""
    _visible_comment(store, paper_id, comment_id)
    if store.is_thread_locked(paper_id) and not user.is_curator:
        raise ThreadLocked("this discussion is locked: it takes no votes")
    _limit(
        store,
        f"comment-vote:{user.id}",
        limit=settings.upvote_limit,
        window=VOTE_WINDOW,
        now=now,
        what="votes",
    )
    if up:
        store.vote_comment(comment_id, user.id, now=now)
    else:
        store.unvote_comment(comment_id, user.id)
    after = store.get_comment(comment_id)
    assert after is not None
    return after, up


def report(
    store: Store, *, user: User, paper_id: str, comment_id: int, reason: str, now: datetime
) -> bool:
    """File a report for the curators' queue; False when the reader's is open already."""
    _visible_comment(store, paper_id, comment_id)
    reason = clean_markdown(reason)[:MAX_REASON] or "no reason given"
    _limit(
        store,
        f"comment-report:{user.id}",
        limit=REPORT_LIMIT,
        window=REPORT_WINDOW,
        now=now,
        what="reports",
    )
    return store.add_report(comment_id, user.id, reason=reason, now=now)


def set_lock(store: Store, *, curator: User, paper_id: str, locked: bool, now: datetime) -> None:
    if not curator.is_curator:
        raise NotAllowed("only curators lock discussions")
    with store.atomic():
        store.set_thread_lock(paper_id, by=curator.id if locked else None, now=now)
        _log(store, curator, "lock" if locked else "unlock", paper_id=paper_id, now=now)


def confirm_author(
    store: Store, *, curator: User, user_id: int, paper_id: str, now: datetime
) -> AuthorClaim:
    if not curator.is_curator:
        raise NotAllowed("only curators confirm authors")
    with store.atomic():
        claim = store.confirm_claim(user_id, paper_id, by=curator.id, now=now)
        if claim is None:
            raise NoSuchComment(f"reader {user_id} has not claimed paper {paper_id}")
        _log(store, curator, "confirm", paper_id=paper_id, subject_id=user_id, now=now)
    return claim


def reject_author(
    store: Store, *, curator: User, user_id: int, paper_id: str, now: datetime
) -> None:
    """Decline a reader's claim to be an author of the paper: the claim is removed (the
    reader may claim again, and it comes back to the queue) and the decision logged."""
    if not curator.is_curator:
        raise NotAllowed("only curators decide authors' claims")
    with store.atomic():
        if not store.reject_claim(user_id, paper_id):
            raise NoSuchComment(f"reader {user_id} has no claim on paper {paper_id} waiting")
        _log(store, curator, "reject", paper_id=paper_id, subject_id=user_id, now=now)


# -- a thread in the order a page shows it -----------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    """One comment of a thread as shown: its level on the page (0: on the paper) and
    whether the comment it answers was removed (hidden or deleted)."""

    comment: Comment
    level: int
    parent_removed: bool = False


def thread(comments: list[Comment], sort: Sort = "votes") -> list[Entry]:
    """The comments in reading order: each followed by its replies; siblings by votes
    (most first, then oldest) or by time (oldest first). A reply whose parent is not
    among ``comments`` starts a branch of its own at level 0."""
    ids = {c.id for c in comments}
    children: dict[int | None, list[Comment]] = {}
    for comment in comments:
        parent = comment.parent_id if comment.parent_id in ids else None
        children.setdefault(parent, []).append(comment)

    def key(c: Comment) -> tuple[int, int]:
        return (-c.upvotes, c.id) if sort == "votes" else (0, c.id)

    ordered: list[Entry] = []
    stack: list[tuple[Comment, int]] = [(c, 0) for c in sorted(children.get(None, []), key=key)]
    stack.reverse()
    while stack:
        comment, level = stack.pop()
        removed = comment.parent_id is not None and comment.parent_id not in ids
        ordered.append(Entry(comment, level, removed))
        replies = sorted(children.get(comment.id, []), key=key)
        stack.extend((c, level + 1) for c in reversed(replies))
    return ordered
