"""The discussion under each paper page: what the page shows (``discussion_context``),
the forms it posts, and the curators' queue (``/discussion/queue``).

Every action is a plain form with a CSRF token that answers 303 back to the paper's
page (at the comment it changed), so everything works without JavaScript: Reply, Edit
and Report are links to the page with that one form open under the comment, so a long
thread carries one small vote form per comment, not three more.
``static/discussion.js`` opens a reply in place, adds a preview and typesets math.
Signed out, a form goes to sign-in and back. What the discussion refuses is an error
page with its status and message (422 for a body that cannot be used, 403, 404, 423
for a locked thread, 429 with ``Retry-After``). The rules live in ``paperwire.discussion``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from paperwire import discussion
from paperwire.accounts import User
from paperwire.comment_text import MAX_BODY
from paperwire.config import Settings
from paperwire.discussion import MAX_REASON
from paperwire.discussion_mail import read_unfollow
from paperwire.http.deps import (
    NowDep,
    SettingsDep,
    StoreDep,
    TemplatesDep,
    UserDep,
    app_secret,
)
from paperwire.http.params import BadParam, check_paper_id
from paperwire.links import paper_url
from paperwire.models import Paper
from paperwire.store import Store
from paperwire.web.pages.common import error_page, render
from paperwire.web.pages.submit import sign_in_first

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form()]


def discussion_context(
    store: Store,
    settings: Settings,
    user: User | None,
    paper: Paper,
    *,
    sort: str,
    now: datetime,
    chosen: tuple[str, int] | None = None,
) -> dict[str, Any]:
    """What ``_discussion.html`` shows of the paper's discussion for this reader;
    ``chosen``: the form a Reply, Edit or Report link opened (``chosen_form``)."""
    comments = store.paper_comments(paper.id, viewer_id=user.id if user else None)
    entries = discussion.thread(comments, "time" if sort == "time" else "votes")
    context: dict[str, Any] = {
        "entries": entries,
        "comment_count": sum(c.is_visible for c in comments),
        "locked": store.is_thread_locked(paper.id),
        "sort": sort,
        "max_body": MAX_BODY,
        "max_reason": MAX_REASON,
        "edit_minutes": settings.comment_edit_minutes,
        "voted": set(),
        "editable": set(),
        "following": False,
        "claim": None,
        "will_hold": False,
        "chosen": chosen if user is not None else None,
    }
    if user is not None:
        context.update(
            voted=store.voted_comments(user.id, [c.id for c in comments]),
            editable={c.id for c in comments if discussion.can_edit(c, user, settings, now)},
            following=store.is_following(user.id, paper.id),
            claim=store.get_claim(user.id, paper.id),
            will_hold=discussion.is_held(store, settings, user, now),
        )
    return context


def chosen_form(
    *, reply: str | None, edit: str | None, report: str | None
) -> tuple[str, int] | None:
    """The form a link asked to open: (``reply``|``edit``|``report``, comment id); a
    value that is no comment id is ``BadParam`` naming it."""
    for name, value in (("reply", reply), ("edit", edit), ("report", report)):
        if value:
            if not (value.isascii() and value.isdigit()) or not 0 < int(value) < 2**63:
                raise BadParam(name, f"expected a comment id, got {value[:20]!r}")
            return name, int(value)
    return None


# -- what every form shares ---------------------------------------------------------------


def _back(paper_id: str, anchor: str = "discussion") -> RedirectResponse:
    return RedirectResponse(f"{paper_url(paper_id)}#{anchor}", status_code=303)


@dataclass(frozen=True, slots=True)
class Posted:
    """What the handler of every form works with: the request, the store, the settings,
    the templates, the reader (None signed out) and the time of the request."""

    request: Request
    store: Store
    settings: Settings
    templates: Jinja2Templates
    user: User | None
    now: datetime

    def act(
        self, paper_id: str, change: Callable[[User, Paper], str], *, back: str = ""
    ) -> Response:
        """Signed in, the paper stored, the change made (``change`` returns the anchor of
        the paper's page to go back to), or the refusal as an error page. ``back``: where
        a redirect goes instead (the curators' queue)."""
        answer = self._act(paper_id, change)
        if back and answer.status_code == 303:
            return RedirectResponse(back, status_code=303)
        return answer

    def on_comment(
        self, paper_id: str, comment_id: str, change: Callable[[User, Paper, int], object]
    ) -> Response:
        """``act`` on one comment (its id as the form sent it), back at that comment."""

        def on(user: User, paper: Paper) -> str:
            cid = _comment_id(comment_id)
            change(user, paper, cid)
            return f"comment-{cid}"

        return self.act(paper_id, on)

    def _act(self, paper_id: str, change: Callable[[User, Paper], str]) -> Response:
        request, templates = self.request, self.templates
        if self.user is None:
            return sign_in_first(paper_url(paper_id))
        try:
            check_paper_id(paper_id)
        except BadParam as error:
            return error_page(request, templates, 400, "Bad paper id", str(error))
        paper = self.store.get_paper(paper_id)
        if paper is None:
            return error_page(
                request, templates, 404, "Paper not found", f"There is no paper “{paper_id}” here."
            )
        try:
            anchor = change(self.user, paper)
        except discussion.TooMany as error:
            page = error_page(request, templates, 429, "Too many", str(error))
            page.headers["Retry-After"] = str(error.retry_after)
            return page
        except discussion.DiscussionError as error:
            titles = {403: "Not allowed", 404: "Comment not found", 422: "Comment not posted"}
            return error_page(
                request, templates, error.status, titles.get(error.status, "Not done"), str(error)
            )
        return _back(paper.id, anchor)


async def _posted(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    user: UserDep,
    now: NowDep,
) -> Posted:
    return Posted(request, store, settings, templates, user, now)


PostedDep = Annotated[Posted, Depends(_posted)]


def _comment_id(value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 2**63:
        raise discussion.NoSuchComment(f"there is no comment {value[:20]!r}")
    return int(value)


def _parent(value: str) -> int | None:
    return None if not value.strip() else _comment_id(value.strip())


# -- a reader's forms ---------------------------------------------------------------------


@router.post("/papers/{paper_id:path}/comments")
def post_comment(
    paper_id: str, posted: PostedDep, body: Text = "", parent_id: Text = ""
) -> Response:
    def change(user: User, paper: Paper) -> str:
        made = discussion.post_comment(
            posted.store,
            posted.settings,
            user=user,
            paper_id=paper.id,
            body=body,
            parent_id=_parent(parent_id),
            now=posted.now,
        )
        return f"comment-{made.id}"

    return posted.act(paper_id, change)


@router.post("/papers/{paper_id:path}/comments/{comment_id}/edit")
def edit_comment(paper_id: str, comment_id: str, posted: PostedDep, body: Text = "") -> Response:
    def change(user: User, paper: Paper, cid: int) -> None:
        discussion.edit_comment(
            posted.store,
            posted.settings,
            user=user,
            paper_id=paper.id,
            comment_id=cid,
            body=body,
            now=posted.now,
        )

    return posted.on_comment(paper_id, comment_id, change)


@router.post("/papers/{paper_id:path}/comments/{comment_id}/delete")
def delete_comment(paper_id: str, comment_id: str, posted: PostedDep) -> Response:
    def change(user: User, paper: Paper) -> str:
        discussion.delete_comment(
            posted.store,
            user=user,
            paper_id=paper.id,
            comment_id=_comment_id(comment_id),
            now=posted.now,
        )
        return "discussion"

    return posted.act(paper_id, change)


@router.post("/papers/{paper_id:path}/comments/{comment_id}/vote")
def vote_comment(
    paper_id: str, comment_id: str, posted: PostedDep, action: Text = "up"
) -> Response:
    def change(user: User, paper: Paper, cid: int) -> None:
        discussion.vote(
            posted.store,
            posted.settings,
            user=user,
            paper_id=paper.id,
            comment_id=cid,
            up=action != "down",
            now=posted.now,
        )

    return posted.on_comment(paper_id, comment_id, change)


@router.post("/papers/{paper_id:path}/comments/{comment_id}/report")
def report_comment(
    paper_id: str, comment_id: str, posted: PostedDep, reason: Text = ""
) -> Response:
    def change(user: User, paper: Paper, cid: int) -> None:
        discussion.report(
            posted.store,
            user=user,
            paper_id=paper.id,
            comment_id=cid,
            reason=reason,
            now=posted.now,
        )

    return posted.on_comment(paper_id, comment_id, change)


@router.post("/papers/{paper_id:path}/discussion/follow")
def follow(paper_id: str, posted: PostedDep, action: Text = "follow") -> Response:
    def change(user: User, paper: Paper) -> str:
        if action == "unfollow":
            posted.store.unfollow_thread(user.id, paper.id)
        else:
            posted.store.follow_thread(user.id, paper.id, now=posted.now)
        return "discussion"

    return posted.act(paper_id, change)


@router.post("/papers/{paper_id:path}/discussion/claim")
def claim(paper_id: str, posted: PostedDep, action: Text = "claim") -> Response:
    def change(user: User, paper: Paper) -> str:
        if action == "withdraw":
            posted.store.withdraw_claim(user.id, paper.id)
        else:
            posted.store.claim_authorship(user.id, paper.id, now=posted.now)
        return "discussion"

    return posted.act(paper_id, change)


# -- curators -----------------------------------------------------------------------------

QUEUE = "/discussion/queue"


def _curator(user: User) -> User:
    if not user.is_curator:
        raise discussion.NotAllowed("only curators moderate the discussion")
    return user


@router.post("/papers/{paper_id:path}/comments/{comment_id}/moderate")
def moderate(
    paper_id: str, comment_id: str, posted: PostedDep, action: Text = "", back: Text = ""
) -> Response:
    def change(user: User, paper: Paper) -> str:
        if action not in discussion.ACTIONS:
            raise discussion.DiscussionError(f"action: one of {', '.join(discussion.ACTIONS)}")
        cid = _comment_id(comment_id)
        discussion.moderate(
            posted.store,
            curator=_curator(user),
            paper_id=paper.id,
            comment_id=cid,
            action=action,
            now=posted.now,
        )
        return f"comment-{cid}"

    return posted.act(paper_id, change, back=QUEUE if back == "queue" else "")


@router.post("/papers/{paper_id:path}/discussion/lock")
def lock(paper_id: str, posted: PostedDep, action: Text = "lock") -> Response:
    def change(user: User, paper: Paper) -> str:
        discussion.set_lock(
            posted.store,
            curator=_curator(user),
            paper_id=paper.id,
            locked=action != "unlock",
            now=posted.now,
        )
        return "discussion"

    return posted.act(paper_id, change)


@router.post("/papers/{paper_id:path}/discussion/confirm")
def confirm(paper_id: str, posted: PostedDep, reader: Text = "") -> Response:
    return _decide_claim(posted, paper_id, reader, confirm=True)


@router.post("/papers/{paper_id:path}/discussion/reject")
def reject(paper_id: str, posted: PostedDep, reader: Text = "") -> Response:
    return _decide_claim(posted, paper_id, reader, confirm=False)


def _decide_claim(posted: Posted, paper_id: str, reader: str, *, confirm: bool) -> Response:
    """A curator confirms or declines a reader's claim (the form's ``reader``), then goes
    back to the queue."""
    decide = discussion.confirm_author if confirm else discussion.reject_author

    def change(user: User, paper: Paper) -> str:
        decide(
            posted.store,
            curator=_curator(user),
            user_id=_comment_id(reader),
            paper_id=paper.id,
            now=posted.now,
        )
        return "discussion"

    return posted.act(paper_id, change, back=QUEUE)


@router.get(QUEUE, response_class=HTMLResponse)
def queue(request: Request, store: StoreDep, templates: TemplatesDep, user: UserDep) -> Response:
    """Curators: held comments, reported ones, authors' claims and the latest log."""
    if user is None:
        return sign_in_first(QUEUE)
    if not user.is_curator:
        return error_page(request, templates, 403, "Not allowed", "Only curators see the queue.")
    held = store.comments_in_state("held")
    hidden = store.comments_in_state("hidden", limit=50)
    return render(
        request,
        templates,
        "discussion_queue.html",
        {
            "held": held,
            "reports": store.open_reports(),
            "hidden": hidden,
            "claims": store.pending_claims(),
            "log": store.moderation_log(limit=50),
        },
    )


# -- the one-click unfollow of the mail -------------------------------------------------------


def _unfollow_message(
    request: Request, templates: Jinja2Templates, title: str, message: str, **extra: Any
) -> HTMLResponse:
    context = {"title": title, "message": message, "form": None, "link": None} | extra
    page = render(request, templates, "subscribe_message.html", context)
    page.headers["cache-control"] = "private, no-store"
    return page


@router.get("/discussion/unfollow", response_class=HTMLResponse)
def unfollow_page(
    request: Request, store: StoreDep, templates: TemplatesDep, token: str = ""
) -> Response:
    found = read_unfollow(app_secret(request.app), token)
    if found is None:
        return error_page(request, templates, 400, "Bad link", "This unfollow link is not valid.")
    return _unfollow_message(
        request,
        templates,
        "Stop following",
        "Press the button to stop getting mail about this discussion.",
        form={"action": f"/discussion/unfollow?token={quote(token)}", "token": token,
              "button": "Stop following"},
    )  # fmt: skip


@router.post("/discussion/unfollow", response_class=HTMLResponse)
async def unfollow(request: Request, store: StoreDep, templates: TemplatesDep) -> Response:
    """The one-click unfollow (RFC 8058): the token is in the address (mail clients post
    ``List-Unsubscribe=One-Click``) or in the form. Exempt from the CSRF check (the
    signed token is the proof)."""
    token = request.query_params.get("token", "")
    if not token:
        form = await request.form()
        value = form.get("token")
        token = value if isinstance(value, str) else ""
    found = read_unfollow(app_secret(request.app), token)
    if found is None:
        return error_page(request, templates, 400, "Bad link", "This unfollow link is not valid.")
    user_id, paper_id = found
    await run_in_threadpool(store.unfollow_thread, user_id, paper_id)
    return _unfollow_message(
        request,
        templates,
        "You no longer follow this discussion",
        "No more mail about it will be sent. Follow it again on the paper's page.",
        link=(paper_url(paper_id), "Back to the paper"),
    )
