"""Sign-in by emailed link, the reader's own page and sign-out.

``GET /login`` shows the form; ``POST /login`` mails a link (the same answer for known
and unknown addresses, and when the per-address limit holds a mail back; 429 past the
per-IP limit). The link opens ``GET /login/confirm?token=...``, a page with one button
that POSTs the token: mail scanners that follow links do not use it up. ``POST /logout``
ends the session everywhere. ``/me`` lists the reader's upvotes and submissions.

Signing in comes back to the page it started from: ``/login?next=PATH&upvote=ID`` keeps
both through the form, the mailed link and the confirm page (``paperwire.web.redirects``
checks ``next`` at every step). The confirm page offers the pending upvote as a ticked
box, so the upvote is made by the reader's own POST with its CSRF token, never by a GET.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperwire.auth.links import (
    BadEmail,
    LinkError,
    normalize_email,
    read_token,
    request_link,
    use_link,
)
from paperwire.auth.links import send_link as mail_link
from paperwire.auth.sessions import SESSION_COOKIE, cookie_secure, end_session, start_session
from paperwire.config import Settings
from paperwire.http.deps import NowDep, SettingsDep, StoreDep, TemplatesDep, UserDep, app_secret
from paperwire.mail import MailError
from paperwire.models import Paper
from paperwire.store import Store
from paperwire.web.pages.common import error_page, render
from paperwire.web.redirects import safe_next, safe_paper_id, with_return

router = APIRouter(include_in_schema=False)
log = logging.getLogger("paperwire.auth")
#: Upvote changes are counted per reader over this many seconds (as the upvote API does).
UPVOTE_WINDOW = 60.0


@dataclass(frozen=True, slots=True)
class Pending:
    """Where sign-in goes back to (a checked ``next``) and the stored paper to upvote."""

    next: str | None = None
    upvote: Paper | None = None

    @classmethod
    def of(cls, store: Store, next_: str, upvote: str) -> Pending:
        paper_id = safe_paper_id(upvote)
        return cls(safe_next(next_), store.get_paper(paper_id) if paper_id else None)

    def carried_by(self, url: str) -> str:
        """``url`` carrying ``next`` and ``upvote`` (when set) as query parameters."""
        return with_return(url, self.next, self.upvote.id if self.upvote else None)

    def context(self) -> dict[str, object]:
        return {"next": self.next, "upvote": self.upvote}


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request,
    store: StoreDep,
    templates: TemplatesDep,
    user: UserDep,
    next: str = "",
    upvote: str = "",
) -> Response:
    pending = Pending.of(store, next, upvote)
    if user is not None and pending.next:
        return RedirectResponse(pending.next, status_code=303)  # signed in already
    context = {"email": "", "error": None, "me": user, **pending.context()}
    return render(request, templates, "login.html", context)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    now: NowDep,
    email: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
    upvote: Annotated[str, Form()] = "",
) -> Response:
    pending = Pending.of(store, next, upvote)
    try:
        address = normalize_email(email[:320])
    except BadEmail as error:
        context = {
            "email": email[:320],
            "error": f"Enter a valid email address ({error}).",
            **pending.context(),
        }
        return render(request, templates, "login.html", context, 400)
    client = request.client.host if request.client else "unknown"
    wait = store.hit_rate_limit(
        f"login-ip:{client}",
        limit=settings.login_limit_per_ip,
        window=settings.login_limit_window,
        now=now,
    )
    if wait is not None:
        context = {
            "email": address,
            "error": None,
            "notice": "Too many sign-in requests from your network: try again later.",
            **pending.context(),
        }
        response = render(request, templates, "login.html", context, 429)
        response.headers["retry-after"] = str(int(wait + 0.999))
        return response
    link = request_link(store, settings, email=address, key=app_secret(request.app), now=now)
    if link.url is not None:  # the link comes back to where sign-in started
        link = replace(link, url=pending.carried_by(link.url))
    try:
        mail_link(settings, link)
    except MailError as exc:
        log.error("sign-in mail to %s failed: %s", address, exc)
        return error_page(
            request,
            templates,
            503,
            "Mail is not working",
            "The sign-in mail could not be sent just now. Please try again in a few minutes.",
        )
    context = {"email": address, "settings": settings, "again": pending.carried_by("/login")}
    return render(request, templates, "login_sent.html", context)


@router.get("/login/confirm", response_class=HTMLResponse)
def confirm_form(
    request: Request,
    store: StoreDep,
    templates: TemplatesDep,
    token: str = "",
    next: str = "",
    upvote: str = "",
) -> Response:
    try:
        read_token(token, key=app_secret(request.app))
    except LinkError as error:
        return error_page(request, templates, 400, "Sign-in link not valid", str(error))
    context = {"token": token, **Pending.of(store, next, upvote).context()}
    response = render(request, templates, "login_confirm.html", context)
    response.headers["referrer-policy"] = "no-referrer"  # the token stays out of Referer
    return response


@router.post("/login/confirm", response_class=HTMLResponse)
def confirm(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    now: NowDep,
    token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
    upvote: Annotated[str, Form()] = "",
) -> Response:
    key = app_secret(request.app)
    try:
        user = use_link(store, token=token, key=key, now=now)
    except LinkError as error:
        return error_page(request, templates, 400, "Sign-in link not valid", str(error))
    cookie = start_session(store, settings, user=user, key=key, now=now)
    pending = Pending.of(store, next, upvote)
    if pending.upvote is not None:  # the box was left ticked: the upvote that started it
        _upvote(store, settings, user_id=user.id, paper=pending.upvote, now=now)
    response = RedirectResponse(pending.next or "/me", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=cookie_secure(settings),
    )
    return response


def _upvote(store: Store, settings: Settings, *, user_id: int, paper: Paper, now: datetime) -> None:
    """Add the reader's upvote (idempotent), unless past the upvote rate limit."""
    wait = store.hit_rate_limit(
        f"upvote:{user_id}", limit=settings.upvote_limit, window=UPVOTE_WINDOW, now=now
    )
    if wait is None:
        store.add_upvote(user_id, paper.id, now=now)


@router.post("/logout")
def logout(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        end_session(store, cookie=cookie, key=app_secret(request.app))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="lax", secure=cookie_secure(settings)
    )
    return response


@router.get("/me", response_class=HTMLResponse)
def me(request: Request, store: StoreDep, templates: TemplatesDep, user: UserDep) -> Response:
    if user is None:
        return RedirectResponse("/login", status_code=303)
    upvoted_ids = store.upvoted_ids(user.id)
    found = store.get_papers(upvoted_ids)
    submissions = store.user_submissions(user.id)
    submitted = store.get_papers([s.paper_id for s in submissions])
    context = {
        "me": user,
        "upvoted": [found[i] for i in upvoted_ids if i in found],
        "submissions": [(s, submitted.get(s.paper_id)) for s in submissions],
    }
    return render(request, templates, "me.html", context)
