"""Sign-in by emailed link, the reader's own page and sign-out.

``GET /login`` shows the form; ``POST /login`` mails a link (the same answer for known
and unknown addresses, and when the per-address limit holds a mail back; 429 past the
per-IP limit). The link opens ``GET /login/confirm?token=...``, a page with one button
that POSTs the token: mail scanners that follow links do not use it up. ``POST /logout``
ends the session everywhere. ``/me`` lists the reader's upvotes and submissions.
"""

from __future__ import annotations

import logging
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
from paperwire.mail import MailError
from paperwire.web.csrf import app_secret
from paperwire.web.deps import NowDep, SettingsDep, StoreDep, TemplatesDep, UserDep
from paperwire.web.pages.common import error_page, render

router = APIRouter(include_in_schema=False)
log = logging.getLogger("paperwire.auth")


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, templates: TemplatesDep, user: UserDep) -> Response:
    return render(request, templates, "login.html", {"email": "", "error": None, "me": user})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    now: NowDep,
    email: Annotated[str, Form()] = "",
) -> Response:
    try:
        address = normalize_email(email[:320])
    except BadEmail as error:
        context = {"email": email[:320], "error": f"Enter a valid email address ({error})."}
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
            "error": "Too many sign-in requests from your network: try again later.",
        }
        response = render(request, templates, "login.html", context, 429)
        response.headers["retry-after"] = str(int(wait + 0.999))
        return response
    link = request_link(store, settings, email=address, key=app_secret(request.app), now=now)
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
    return render(request, templates, "login_sent.html", {"email": address, "settings": settings})


@router.get("/login/confirm", response_class=HTMLResponse)
def confirm_form(request: Request, templates: TemplatesDep, token: str = "") -> Response:
    try:
        read_token(token, key=app_secret(request.app))
    except LinkError as error:
        return error_page(request, templates, 400, "Sign-in link not valid", str(error))
    response = render(request, templates, "login_confirm.html", {"token": token})
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
) -> Response:
    key = app_secret(request.app)
    try:
        user = use_link(store, token=token, key=key, now=now)
    except LinkError as error:
        return error_page(request, templates, 400, "Sign-in link not valid", str(error))
    cookie = start_session(store, settings, user=user, key=key, now=now)
    response = RedirectResponse("/me", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=cookie_secure(settings),
    )
    return response


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
