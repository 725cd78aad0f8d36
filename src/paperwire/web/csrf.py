"""Protection against cross-site request forgery for forms and state-changing requests.

Templates put ``{{ csrf_input() }}`` inside every form that POSTs; scripts send the same
token in the ``X-CSRF-Token`` header. The token is tied to a random value in the
``pw_csrf`` cookie (SameSite=Lax, HttpOnly): it is that value signed for the purpose
``csrf``, so a page of another site can neither read nor forge it.

``CSRFMiddleware`` (plain ASGI) checks every POST, PUT, PATCH and DELETE that reaches a
route, before the route runs; a missing or wrong token is answered 403 and nothing
happens. Exempt: requests that sign in by a valid ``Authorization: Bearer`` token and
carry no session cookie (a cross-site page cannot send that header; a bogus one, or one
beside the session cookie, exempts nothing), ``/api/`` requests with no session cookie whose body is
``application/json`` (a cross-site form cannot send that without a CORS preflight) or
that have no body at all (no credentials and nothing to forge: they get their 401), and
the one-click unsubscribe ``POST /subscribe/unsubscribe`` and unfollow
``POST /discussion/unfollow`` (RFC 8058; their URLs carry a signed token). Unknown paths
and wrong methods pass through to their 404 and 405.

An answer whose page rendered a token says ``Cache-Control: private, no-store``, so the
shared response cache never keeps it: one visitor's token is never shown to another.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

from fastapi import FastAPI
from itsdangerous import BadSignature
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paperwire.auth.sessions import bearer_user
from paperwire.http.deps import app_secret
from paperwire.signing import new_token, serializer

CSRF_COOKIE = "pw_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
PURPOSE = "csrf"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EXEMPT = frozenset({("POST", "/subscribe/unsubscribe"), ("POST", "/discussion/unfollow")})
#: The largest form body read for its token (larger: 413).
MAX_FORM_BYTES = 1024 * 1024
SESSION_COOKIE = "pw_session"  # the same name as paperwire.auth.sessions.SESSION_COOKIE


@dataclass(slots=True)
class CsrfState:
    """This request's CSRF cookie value; whether it is new, and whether a page used it."""

    value: str
    is_new: bool
    used: bool = False
    token: str | None = None


def _cookies(headers: Headers) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for raw in headers.getlist("cookie"):
        try:
            jar.load(raw)
        except Exception:  # a malformed cookie header: treat as no cookies
            continue
    return {name: morsel.value for name, morsel in jar.items()}


def token_for(app: Any, state: CsrfState) -> str:
    if state.token is None:
        state.token = serializer(app_secret(app), PURPOSE).dumps(state.value)
    state.used = True
    return state.token


def valid_token(app: Any, cookie_value: str, token: str) -> bool:
    try:
        value = serializer(app_secret(app), PURPOSE).loads(token)
    except BadSignature:
        return False
    return isinstance(value, str) and hmac.compare_digest(value, cookie_value)


def csrf_token(request: Request) -> str:
    """This request's token (for a form or a script); marks the answer private."""
    state: CsrfState = request.scope["state"]["csrf"]
    return token_for(request.app, state)


@pass_context
def csrf_input(context: Context) -> Markup:
    """The hidden form field with this request's token."""
    request = context.get("request")
    if request is None or "csrf" not in request.scope.get("state", {}):
        return Markup("")
    return Markup('<input type="hidden" name="{0}" value="{1}">').format(FIELD, csrf_token(request))


def _route_matches(app: Any, scope: Scope) -> bool:
    router = getattr(app, "router", None)
    for route in getattr(router, "routes", []):
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return True
    return False


async def _bearer_signs_in(app: Any, scope: Scope, headers: Headers) -> bool:
    """Whether the request's ``Authorization: Bearer`` token is a live API token (its
    account is kept for ``get_user``, which then asks nothing more)."""
    authorization = headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    store = getattr(getattr(app, "state", None), "store", None)
    if scheme.lower() != "bearer" or not token.strip() or store is None:
        return False
    user = await run_in_threadpool(bearer_user, store, authorization)
    if user is None:
        return False
    scope["state"]["user"] = user
    return True


async def _exempt(app: Any, scope: Scope, headers: Headers, cookies: dict[str, str]) -> bool:
    if (scope["method"], scope["path"]) in EXEMPT:
        return True
    if SESSION_COOKIE not in cookies and await _bearer_signs_in(app, scope, headers):
        return True
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    bodiless = not content_type and headers.get("content-length", "0") == "0"
    return (
        scope["path"].startswith("/api/")
        and SESSION_COOKIE not in cookies
        and (content_type == "application/json" or bodiless)
    )


class CSRFMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        cookies = _cookies(headers)
        current = cookies.get(CSRF_COOKIE, "")
        fresh = not (16 <= len(current) <= 100)
        state = CsrfState(new_token(24) if fresh else current, fresh)
        scope.setdefault("state", {})["csrf"] = state
        app = scope.get("app")
        settings = getattr(getattr(app, "state", None), "settings", None)
        secure = settings is not None and settings.base_url.lower().startswith("https://")

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start" and state.used:
                out = MutableHeaders(scope=message)
                out["cache-control"] = "private, no-store"
                if state.is_new:
                    cookie = f"{CSRF_COOKIE}={state.value}; Path=/; HttpOnly; SameSite=Lax"
                    out.append("set-cookie", cookie + ("; Secure" if secure else ""))
            await send(message)

        if (
            scope["method"] in UNSAFE_METHODS
            and _route_matches(app, scope)
            and not await _exempt(app, scope, headers, cookies)
        ):
            token = headers.get(HEADER)
            body: list[Message] = []
            if token is None:
                read = await _read_body(receive)
                if read is None:
                    await _reject(scope, receive, send_marked, 413, "the form is too large")
                    return
                body = read
                token = await _form_token(scope, body)
            if fresh or not token or not valid_token(app, current, token):
                await _reject(
                    scope,
                    receive,
                    send_marked,
                    403,
                    "the form has expired or did not come from this site (missing or wrong "
                    "CSRF token): reload the page and try again",
                )
                return
            if body:
                receive = _replay(body, receive)

        await self.app(scope, receive, send_marked)


async def _read_body(receive: Receive) -> list[Message] | None:
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages
        size += len(message.get("body", b""))
        if size > MAX_FORM_BYTES:
            return None
        if not message.get("more_body", False):
            return messages


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


async def _form_token(scope: Scope, messages: list[Message]) -> str | None:
    content_type = Headers(scope=scope).get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return None
    request = Request(scope, _replay(messages, _no_more))
    try:
        form = await request.form()
    except Exception:  # an unreadable form has no token
        return None
    try:
        value = form.get(FIELD)
        return value if isinstance(value, str) else None
    finally:
        await form.close()


async def _no_more() -> Message:
    return {"type": "http.disconnect"}


async def _reject(scope: Scope, receive: Receive, send: Send, status: int, message: str) -> None:
    response: Response
    if scope["path"].startswith("/api/") or "nonce" not in scope.get("state", {}):
        response = JSONResponse({"detail": message}, status_code=status)
    else:
        from paperwire.web.pages.common import error_page

        request = Request(scope, receive)
        title = "Forbidden" if status == 403 else "Too large"
        response = error_page(request, request.app.state.templates, status, title, message)
    response.headers["cache-control"] = "private, no-store"
    await response(scope, receive, send)


def install_csrf(app: FastAPI) -> None:
    """Add the check; install it before the response cache (which then wraps it)."""
    app.add_middleware(CSRFMiddleware)
