"""The community API: upvotes and submissions to the daily feed.

Every route needs a reader: a session cookie (browsers; then a CSRF token in the
``X-CSRF-Token`` header) or ``Authorization: Bearer TOKEN`` (scripts). 401 without one,
403 when the role does not allow it, 404 for an unknown paper, 429 with ``Retry-After``
past a rate limit or the daily submission cap.

- ``POST /api/v1/papers/{id}/upvote`` adds the reader's upvote, ``DELETE`` removes it;
  both are idempotent and answer the paper's counts.
- ``POST /api/v1/submissions`` ``{"paper": "2401.01234" | "https://arxiv.org/abs/..."}``
  puts a paper on today's daily feed (201); see ``paperwire.auth.submissions``.
- ``POST /api/v1/submissions/{id}/pin|unpin|hide|unhide|remove``: curators and admins.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from paperwire.accounts import Submission, User
from paperwire.api.routes import ApiRoute, get_paper_or_404, paper_id_of
from paperwire.api.schemas import ErrorOut, PaperOut
from paperwire.auth.submissions import SubmissionError, submit_paper
from paperwire.config import Settings
from paperwire.http.deps import CuratorDep, NowDep, ReaderDep, SettingsDep, StoreDep
from paperwire.models import Paper
from paperwire.store import Store

router = APIRouter(prefix="/api/v1", tags=["community"], route_class=ApiRoute)

ERRORS: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorOut} for status in (400, 401, 403, 404, 409, 422, 429, 502)
}
#: Upvote changes are counted per reader over this many seconds (``upvote_limit``).
UPVOTE_WINDOW = 60.0


class UpvoteOut(BaseModel):
    id: str
    upvoted: bool = Field(description="Whether the reader now upvotes the paper.")
    upvotes: int = Field(description="Imported and local upvotes together.")
    upvotes_imported: int
    upvotes_local: int

    @classmethod
    def of(cls, paper: Paper, upvoted: bool) -> UpvoteOut:
        return cls(
            id=paper.id,
            upvoted=upvoted,
            upvotes=paper.total_upvotes,
            upvotes_imported=paper.upvotes or 0,
            upvotes_local=paper.local_upvotes,
        )


class SubmissionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    paper: str = Field(
        max_length=500,
        description="An arXiv id or arxiv.org address.",
        examples=["2401.01234", "https://arxiv.org/abs/2401.01234v2"],
    )


class SubmissionOut(BaseModel):
    paper_id: str
    day: str
    submitted_at: str
    by_curator: bool
    pinned: bool
    hidden: bool

    @classmethod
    def of(cls, submission: Submission) -> SubmissionOut:
        return cls(
            paper_id=submission.paper_id,
            day=submission.day.isoformat(),
            submitted_at=submission.submitted_at.isoformat(),
            by_curator=submission.by_curator,
            pinned=submission.pinned,
            hidden=submission.hidden,
        )


class SubmittedOut(BaseModel):
    submission: SubmissionOut
    paper: PaperOut


def _limit_upvotes(store: Store, settings: Settings, user: User, now: NowDep) -> None:
    wait = store.hit_rate_limit(
        f"upvote:{user.id}", limit=settings.upvote_limit, window=UPVOTE_WINDOW, now=now
    )
    if wait is not None:
        raise HTTPException(
            429,
            f"too many upvote changes: at most {settings.upvote_limit} a minute",
            headers={"Retry-After": str(int(wait + 0.999))},
        )


@router.post(
    "/papers/{paper_id:path}/upvote", responses=ERRORS, summary="Upvote a paper (idempotent)"
)
def upvote(
    paper_id: str, user: ReaderDep, store: StoreDep, settings: SettingsDep, now: NowDep
) -> UpvoteOut:
    paper = get_paper_or_404(store, paper_id)
    _limit_upvotes(store, settings, user, now)
    updated = store.add_upvote(user.id, paper.id, now=now)
    if updated is None:
        raise HTTPException(404, f"no paper {paper_id!r}")
    return UpvoteOut.of(updated, True)


@router.delete(
    "/papers/{paper_id:path}/upvote", responses=ERRORS, summary="Take back an upvote (idempotent)"
)
def remove_upvote(
    paper_id: str, user: ReaderDep, store: StoreDep, settings: SettingsDep, now: NowDep
) -> UpvoteOut:
    paper = get_paper_or_404(store, paper_id)
    _limit_upvotes(store, settings, user, now)
    updated = store.remove_upvote(user.id, paper.id)
    if updated is None:
        raise HTTPException(404, f"no paper {paper_id!r}")
    return UpvoteOut.of(updated, False)


@router.post(
    "/submissions",
    status_code=201,
    responses=ERRORS,
    summary="Submit a paper to today's daily feed",
)
async def submit(
    body: SubmissionIn, user: ReaderDep, store: StoreDep, settings: SettingsDep, now: NowDep
) -> SubmittedOut:
    try:
        submission, paper = await run_in_threadpool(
            submit_paper, store, settings, user=user, reference=body.paper, now=now
        )
    except SubmissionError as error:
        headers = {"Retry-After": str(error.retry_after)} if error.retry_after else None
        raise HTTPException(error.status, error.message, headers=headers) from None
    return SubmittedOut(
        submission=SubmissionOut.of(submission), paper=PaperOut.of(paper, settings.base_url)
    )


Action = Literal["pin", "unpin", "hide", "unhide", "remove"]


class ModeratedOut(BaseModel):
    paper_id: str
    removed: bool = False
    submission: SubmissionOut | None = None


@router.post(
    "/submissions/{paper_id:path}/{action}",
    responses=ERRORS,
    summary="Pin, hide or remove a submission (curators)",
)
def moderate(paper_id: str, action: Action, user: CuratorDep, store: StoreDep) -> ModeratedOut:
    pid = paper_id_of(paper_id)
    if action == "remove":
        if not store.remove_submission(pid):
            raise HTTPException(404, f"no submission of {paper_id!r}")
        return ModeratedOut(paper_id=pid, removed=True)
    changes = {
        "pin": {"pinned": True},
        "unpin": {"pinned": False},
        "hide": {"hidden": True},
        "unhide": {"hidden": False},
    }[action]
    submission = store.update_submission(pid, **changes)
    if submission is None:
        raise HTTPException(404, f"no submission of {paper_id!r}")
    return ModeratedOut(paper_id=pid, submission=SubmissionOut.of(submission))
