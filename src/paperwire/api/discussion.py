"""The discussion of a paper through the API. The rules live in ``paperwire.discussion``;
these routes read the request, call it, and answer.

- ``GET /api/v1/papers/{id}/comments`` (``?sort=votes|time``): ``{"comments": [...]}``
  in reading order, without hidden, deleted or (others') held comments.
- ``POST /api/v1/papers/{id}/comments`` ``{"body": markdown, "parent_id": id | null}``:
  201 with the comment.
- ``PATCH|DELETE /api/v1/papers/{id}/comments/{comment_id}``: the author edits (within
  ``comment_edit_minutes``) or deletes; a curator deletes any comment.
- ``POST|DELETE /api/v1/papers/{id}/comments/{comment_id}/vote``: upvote, or take it back.
- ``POST /api/v1/papers/{id}/comments/{comment_id}/report`` ``{"reason": "..."}``.
- ``PUT|DELETE /api/v1/papers/{id}/follow``: follow the discussion (replies by mail).
- ``POST /api/v1/comments/preview`` ``{"body": markdown}``: the HTML it would show.

Writes need a reader: ``Authorization: Bearer TOKEN`` or a session cookie with the
``X-CSRF-Token`` header. Errors: 401 without a reader, 403 for what the reader may not
do, 404 for an unknown paper or comment, 422 for a body that cannot be used (empty, over
10,000 characters), 423 for a locked discussion, 429 with ``Retry-After`` past a limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response

from paperwire import discussion
from paperwire.accounts import User
from paperwire.api.common import ApiRoute, Responses, error, get_paper_or_404
from paperwire.api.schemas import (
    MAX_COMMENT_ID,
    CommentEditIn,
    CommentIn,
    CommentOut,
    CommentsIn,
    CommentsOut,
    CommentVoteOut,
    FollowOut,
    PreviewIn,
    PreviewOut,
    ReportedOut,
    ReportIn,
)
from paperwire.config import Settings
from paperwire.http.deps import NowDep, ReaderDep, SettingsDep, StoreDep, UserDep
from paperwire.models import Paper
from paperwire.store import Store

router = APIRouter(prefix="/api/v1", tags=["discussion"], route_class=ApiRoute)

READ: Responses = {
    400: error("A paper id or parameter that cannot be used; the message names it."),
    404: error("No paper with that id."),
    422: error("A request that cannot be used; the message names what."),
}
WRITE: Responses = READ | {
    401: error("No reader: sign in, or send `Authorization: Bearer TOKEN`."),
    403: error("Not allowed (not the author, the edit window is over, or the CSRF token)."),
    404: error("No paper, or no comment of that id on it."),
    422: error("A body that cannot be used (empty, or over 10,000 characters)."),
    423: error("The discussion is locked."),
    429: error("Too many comments, votes or reports: see `Retry-After`."),
}

CommentPath = Annotated[int, Path(ge=1, le=MAX_COMMENT_ID, description="The comment's id.")]


@dataclass(frozen=True, slots=True)
class Writer:
    """A reader's write to a discussion: the reader (401 without one), the store, the
    settings and the time of the request."""

    user: User
    store: Store
    settings: Settings
    now: datetime


async def _writer(user: ReaderDep, store: StoreDep, settings: SettingsDep, now: NowDep) -> Writer:
    return Writer(user, store, settings, now)


WriterDep = Annotated[Writer, Depends(_writer)]


@contextmanager
def refusals() -> Iterator[None]:
    """The discussion's refusals as answers with their status and message."""
    try:
        yield
    except discussion.TooMany as exc:
        raise HTTPException(429, str(exc), headers={"Retry-After": str(exc.retry_after)}) from None
    except discussion.DiscussionError as exc:
        raise HTTPException(exc.status, str(exc)) from None


@contextmanager
def answering(store: Store, paper_id: str) -> Iterator[Paper]:
    """The paper (404 when there is none), with the discussion's refusals inside the
    block answered with their status and message (``refusals``)."""
    paper = get_paper_or_404(store, paper_id)
    with refusals():
        yield paper


@router.get("/papers/{paper_id:path}/comments", responses=READ, summary="The discussion of a paper")
def list_comments(
    paper_id: str, query: Annotated[CommentsIn, Query()], store: StoreDep, user: UserDep
) -> CommentsOut:
    paper = get_paper_or_404(store, paper_id)
    viewer = user.id if user is not None else None
    comments = store.paper_comments(paper.id, viewer_id=viewer)
    entries = discussion.thread(comments, query.sort)
    voted = store.voted_comments(user.id, [c.id for c in comments]) if user else set()
    return CommentsOut(
        paper_id=paper.id,
        count=sum(c.is_visible for c in comments),
        locked=store.is_thread_locked(paper.id),
        following=store.is_following(user.id, paper.id) if user else None,
        comments=[
            CommentOut.of(e.comment, (e.comment.id in voted) if user else None) for e in entries
        ],
    )


@router.post(
    "/papers/{paper_id:path}/comments",
    status_code=201,
    responses=WRITE,
    summary="Comment on a paper, or reply to a comment",
)
def post_comment(paper_id: str, body: CommentIn, writer: WriterDep) -> CommentOut:
    """The comment as stored (``state`` is ``held`` while a new account's first comment
    waits for a curator). The poster follows the discussion."""
    with answering(writer.store, paper_id) as paper:
        made = discussion.post_comment(
            writer.store,
            writer.settings,
            user=writer.user,
            paper_id=paper.id,
            body=body.body,
            parent_id=body.parent_id,
            now=writer.now,
        )
    return CommentOut.of(made, False)


@router.patch(
    "/papers/{paper_id:path}/comments/{comment_id}",
    responses=WRITE,
    summary="Edit one's comment",
)
def edit_comment(
    paper_id: str, comment_id: CommentPath, body: CommentEditIn, writer: WriterDep
) -> CommentOut:
    store, user = writer.store, writer.user
    with answering(store, paper_id) as paper:
        edited = discussion.edit_comment(
            store,
            writer.settings,
            user=user,
            paper_id=paper.id,
            comment_id=comment_id,
            body=body.body,
            now=writer.now,
        )
    return CommentOut.of(edited, comment_id in store.voted_comments(user.id, [comment_id]))


@router.delete(
    "/papers/{paper_id:path}/comments/{comment_id}",
    status_code=204,
    responses=WRITE,
    summary="Delete one's comment (curators: any comment)",
)
def delete_comment(paper_id: str, comment_id: CommentPath, writer: WriterDep) -> Response:
    with answering(writer.store, paper_id) as paper:
        discussion.delete_comment(
            writer.store, user=writer.user, paper_id=paper.id, comment_id=comment_id, now=writer.now
        )
    return Response(status_code=204)


def _vote(paper_id: str, comment_id: int, up: bool, writer: Writer) -> CommentVoteOut:
    with answering(writer.store, paper_id) as paper:
        after, voted = discussion.vote(
            writer.store,
            writer.settings,
            user=writer.user,
            paper_id=paper.id,
            comment_id=comment_id,
            up=up,
            now=writer.now,
        )
    return CommentVoteOut(id=after.id, upvotes=after.upvotes, voted=voted)


@router.post(
    "/papers/{paper_id:path}/comments/{comment_id}/vote",
    responses=WRITE,
    summary="Upvote a comment (idempotent)",
)
def vote(paper_id: str, comment_id: CommentPath, writer: WriterDep) -> CommentVoteOut:
    return _vote(paper_id, comment_id, True, writer)


@router.delete(
    "/papers/{paper_id:path}/comments/{comment_id}/vote",
    responses=WRITE,
    summary="Take back an upvote of a comment (idempotent)",
)
def unvote(paper_id: str, comment_id: CommentPath, writer: WriterDep) -> CommentVoteOut:
    return _vote(paper_id, comment_id, False, writer)


@router.post(
    "/papers/{paper_id:path}/comments/{comment_id}/report",
    status_code=202,
    responses=WRITE,
    summary="Report a comment to the curators",
)
def report(
    paper_id: str, comment_id: CommentPath, body: ReportIn, writer: WriterDep
) -> ReportedOut:
    with answering(writer.store, paper_id) as paper:
        filed = discussion.report(
            writer.store,
            user=writer.user,
            paper_id=paper.id,
            comment_id=comment_id,
            reason=body.reason,
            now=writer.now,
        )
    return ReportedOut(id=comment_id, reported=filed)


@router.put(
    "/papers/{paper_id:path}/follow", responses=WRITE, summary="Follow a paper's discussion"
)
def follow(paper_id: str, user: ReaderDep, store: StoreDep, now: NowDep) -> FollowOut:
    """New comments by others come by mail (batched) until unfollowed."""
    paper = get_paper_or_404(store, paper_id)
    store.follow_thread(user.id, paper.id, now=now)
    return FollowOut(paper_id=paper.id, following=True)


@router.delete(
    "/papers/{paper_id:path}/follow", responses=WRITE, summary="Stop following a discussion"
)
def unfollow(paper_id: str, user: ReaderDep, store: StoreDep) -> FollowOut:
    paper = get_paper_or_404(store, paper_id)
    store.unfollow_thread(user.id, paper.id)
    return FollowOut(paper_id=paper.id, following=False)


@router.post("/comments/preview", responses=WRITE, summary="Preview a comment's HTML")
def preview(body: PreviewIn, user: ReaderDep) -> PreviewOut:
    """The HTML a comment with this Markdown would show; nothing is stored."""
    with refusals():
        return PreviewOut(body_html=discussion.preview(body.body))
