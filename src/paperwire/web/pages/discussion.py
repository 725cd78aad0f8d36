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
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
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


def act(
    request: Request,
    store: Store,
    templates: Jinja2Templates,
    user: User | None,
    paper_id: str,
    change: Callable[[User, Paper], str],
) -> Response:
    """Signed in, the paper stored, the change made (``change`` returns the anchor to go
    back to), or the refusal as an error page."""
    if user is None:
        return sign_in_first(paper_url(paper_id))
    try:
        check_paper_id(paper_id)
    except BadParam as error:
        return error_page(request, templates, 400, "Bad paper id", str(error))
    paper = store.get_paper(paper_id)
    if paper is None:
        return error_page(
            request, templates, 404, "Paper not found", f"There is no paper “{paper_id}” here."
        )
    try:
        anchor = change(user, paper)
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


def _comment_id(value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 2**63:
        raise discussion.NoSuchComment(f"there is no comment {value[:20]!r}")
    return int(value)


def _parent(value: str) -> int | None:
    return None if not value.strip() else _comment_id(value.strip())


# -- a reader's forms ---------------------------------------------------------------------


@router.post("/papers/{paper_id:path}/comments")
def post_comment(
    request: Request,
    paper_id: str,
    store: StoreDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    user: UserDep,
    now: NowDep,
    body: Text = "",
    parent_id: Text = "",
) -> Response:
    def change(user: User, paper: Paper) -> str:
        made = discussion.post_comment(
            store,
            settings,
            user=user,
            paper_id=paper.id,
            body=body,
            parent_id=_parent(parent_id),
            now=now,
        )
        return f"comment-{made.id}"

    return act(request, store, templates, user, paper_id, change)


@router.post("/papers/{paper_id:path}/comments/{comment_id}/edit")
def edit_comment(
    request: Request,
    paper_id: str,
    comment_id: str,
    store: StoreDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    user: UserDep,
    now: NowDep,
    body: Text = "",
) -> Response:
    def change(user: User, paper: Paper) -> str:
        cid = _comment_id(comment_id)
        discussion.edit_comment(
            store, settings, user=user, paper_id=paper.id, comment_id=cid, body=body, now=now
        )
        return f"comment-{cid}"

    return act(request, store, templates, user, paper_id, change)


@router.post("/papers/{paper_id:path}/comments/{comment_id}/delete")
def delete_comment(
    request: Request,
    paper_id: str,
    comment_id: str,
    store: StoreDep,
    templates: TemplatesDep,
    user: UserDep,
    now: NowDep,
) -> Response:
    def change(user: User, paper: Paper) -> str:
        discussion.delete_comment(
            store, user=user, paper_id=paper.id, comment_id=_comment_id(comment_id), now=now
        )
        return "discussion"

    return act(request, store, templates, user, paper_id, change)


@router.post("/papers/{paper_id:path}/comments/{comment_id}/vote")
def vote_comment(
    request: Request,
    paper_id: str,
    comment_id: str,
    store: StoreDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    user: UserDep,
    now: NowDep,
    action: Text = "up",
) -> Response:
    def change(user: User, paper: Paper) -> str:
        cid = _comment_id(comment_id)
        discussion.vote(
            store,
            settings,
            user=user,
            paper_id=paper.id,
            comment_id=cid,
            up=action != "down",
            now=now,
        )
        return f"comment-{cid}"

    return act(request, store, templates, user, paper_id, change)


@router.post("/papers/{paper_id:path}/comments/{comment_id}/report")
def report_comment(
    request: Request,
    paper_id: str,
    comment_id: str,
    store: StoreDep,
    templates: TemplatesDep,
    user: UserDep,
    now: NowDep,
    reason: Text = "",
) -> Response:
    def change(user: User, paper: Paper) -> str:
        cid = _comment_id(comment_id)
        discussion.report(
            store, user=user, paper_id=paper.id, comment_id=cid, reason=reason, now=now
        )
        return f"comment-{cid}"

    return act(request, store, templates, user, paper_id, change)


@router.post("/papers/{paper_id:path}/discussion/follow")
def follow(
    request: Request,
    paper_id: str,
    store: StoreDep,
    templates: TemplatesDep,
    user: UserDep,
    now: NowDep,
    action: Text = "follow",
) -> Response:
    def change(user: User, paper: Paper) -> str:
        if action == "unfollow":
            store.unfollow_thread(user.id, paper.id)
        else:
            store.follow_thread(user.id, paper.id, now=now)
        return "discussion"

    return act(request, store, templates, user, paper_id, change)


@router.post("/papers/{paper_id:path}/discussion/claim")
def claim(
    request: Request,
    paper_id: str,
    store: StoreDep,
    templates: TemplatesDep,
    user: UserDep,
    now: NowDep,
    action: Text = "claim",
) -> Response:
    def change(user: User, paper: Paper) -> str:
        if action == "withdraw":
            store.withdraw_claim(user.id, paper.id)
        else:
            store.claim_authorship(user.id, paper.id, now=now)
        return "discussion"

    return act(request, store, templates, user, paper_id, change)


# -- curators -----------------------------------------------------------------------------


def _curator(user: User) -> User:
    if not user.is_curator:
        raise discussion.NotAllowed("only curators moderate the discussion")
    return user


@router.post("/papers/{paper_id:path}/comments/{comment_id}/moderate")
def moderate(
    request: Request,
    paper_id: str,
    comment_id: str,
    store: StoreDep,
    templates: TemplatesDep,
    user: UserDep,
    now: NowDep,
    action: Text = "",
    back: Text = "",
) -> Response:
    def change(user: User, paper: Paper) -> str:
        if action not in discussion.ACTIONS:
            raise discussion.DiscussionError(f"action: one of {', '.join(discussion.ACTIONS)}")
        cid = _comment_id(comment_id)
        discussion.moderate(
            store,
            curator=_curator(user),
            paper_id=paper.id,
            comment_id=cid,
            action=action,
            now=now,
        )
        return f"comment-{cid}"

    answer = act(request, store, templates, user, paper_id, change)
    if back == "queue" and answer.status_code == 303:
        return RedirectResponse("/discussion/queue", status_code=303)
    return answer


@router.post("/papers/{paper_id:path}/discussion/lock")
def lock(
    request: Request,
    paper_id: str,
    store: StoreDep,
    templates: TemplatesDep,
    user: UserDep,
    now: NowDep,
    action: Text = "lock",
) -> Response:
    def change(user: User, paper: Paper) -> str:
        discussion.set_lock(
            store, curator=_curator(user), paper_id=paper.id, locked=action != "unlock", now=now
        )
        return "discussion"

    return act(request, store, templates, user, paper_id, change)


@router.post("/papers/{paper_id:path}/discussion/confirm")
def confirm(
    request: Request,
    paper_id: str,
    store: StoreDep,
    templates: TemplatesDep,
    user: UserDep,
    now: NowDep,
    reader: Text = "",
) -> Response:
    return _decide_claim(request, store, templates, user, paper_id, reader, now, confirm=True)


@router.post("/papers/{paper_id:path}/discussion/reject")
def reject(
    request: Request,
    paper_id: str,
    store: StoreDep,
    templates: TemplatesDep,
    user: UserDep,
    now: NowDep,
    reader: Text = "",
) -> Response:
    return _decide_claim(request, store, templates, user, paper_id, reader, now, confirm=False)


def _decide_claim(
    request: Request,
    store: Store,
    templates: Jinja2Templates,
    user: User | None,
    paper_id: str,
    reader: str,
    now: datetime,
    *,
    confirm: bool,
) -> Response:
    """A curator confirms or declines a reader's claim (the form's ``reader``), then goes
    back to the queue."""

    def change(user: User, paper: Paper) -> str:
        decide = discussion.confirm_author if confirm else discussion.reject_author
        decide(
            store, curator=_curator(user), user_id=_comment_id(reader), paper_id=paper.id, now=now
        )
        return "discussion"

    answer = act(request, store, templates, user, paper_id, change)
    if answer.status_code == 303:
        return RedirectResponse("/discussion/queue", status_code=303)
    return answer


@router.get("/discussion/queue", response_class=HTMLResponse)
def queue(request: Request, store: StoreDep, templates: TemplatesDep, user: UserDep) -> Response:
    """Curators: held comments, reported ones, authors' claims and the latest log."""
    if user is None:
        return sign_in_first("/discussion/queue")
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
