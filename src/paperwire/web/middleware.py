"""What every request passes through: security headers (a CSP with a per-response
nonce; a header the route set itself is kept), a response cache, request metrics and
one structured log line.

It is a plain ASGI middleware (no per-request task or stream, unlike ``BaseHTTPMiddleware``).

The response cache: an anonymous ``GET`` answered ``200`` is kept in memory, keyed by
host, path and query, and served again while the store's ``cache_version()`` (which every
write to a paper, a similar list or a ranking advances) is unchanged and the entry is
younger than ``ttl`` seconds, so
a page is rendered once per data change instead of once per request. Not cached: requests
with the session cookie (``pw_session``) or an ``Authorization`` header (other cookies,
such as the anonymous CSRF cookie, do not count), answers with ``Set-Cookie``, ``Vary``
or ``Cache-Control: no-store``/``private`` (pages with a CSRF token say so), bodies above
``max_entry_bytes``, and the operations and static paths. Concurrent misses of one key
wait for the first one to render. A served copy gets the nonce of its own response: the
nonce of the rendering is replaced in the body, and the CSP header names the new one.
Cached answers with an ``ETag`` or ``Last-Modified`` answer conditional requests with 304.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paperwire.http.conditional import is_not_modified
from paperwire.web.metrics import observe_cache, observe_request

log = logging.getLogger("paperwire.web")

CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    ("x-frame-options", "DENY"),
)
#: Paths whose answers are never cached (prefixes).
UNCACHED_PREFIXES = ("/healthz", "/metrics", "/static/")
#: Headers a 304 repeats from the full answer.
NOT_MODIFIED_HEADERS = frozenset(
    {b"etag", b"last-modified", b"cache-control", b"vary", b"expires", b"content-location"}
)


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


# -- the response cache ------------------------------------------------------------------


@dataclass(slots=True)
class CachedResponse:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    nonce: bytes
    route: str
    revision: int
    stored_at: float

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + 200


class ResponseCache:
    """An LRU of whole answers, bounded by entries and bytes; used from the event loop
    only (no locking). The bounds hold the pages a crowd reads in a minute (``ttl``):
    a few thousand paper pages (~20 KB each) and search answers (~40 KB) per process."""

    def __init__(
        self,
        *,
        max_entries: int = 16_384,
        max_bytes: int = 256 * 1024 * 1024,
        max_entry_bytes: int = 4 * 1024 * 1024,
        ttl: float = 60.0,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes
        self.ttl = ttl
        self._entries: OrderedDict[tuple[str, ...], CachedResponse] = OrderedDict()
        self._bytes = 0
        self._pending: dict[tuple[str, ...], asyncio.Event] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple[str, ...], revision: int) -> CachedResponse | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.revision != revision or time.monotonic() - entry.stored_at > self.ttl:
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry

    def put(self, key: tuple[str, ...], entry: CachedResponse) -> None:
        if entry.size > self.max_entry_bytes:
            return
        if key in self._entries:
            self._drop(key)
        self._entries[key] = entry
        self._bytes += entry.size
        while self._entries and (
            len(self._entries) > self.max_entries or self._bytes > self.max_bytes
        ):
            self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0

    def _drop(self, key: tuple[str, ...]) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry.size

    def pending(self, key: tuple[str, ...]) -> asyncio.Event | None:
        return self._pending.get(key)

    def begin(self, key: tuple[str, ...]) -> asyncio.Event:
        event = self._pending[key] = asyncio.Event()
        return event

    def end(self, key: tuple[str, ...], event: asyncio.Event) -> None:
        """Wake the requests waiting on ``event`` (from ``begin``); a later request's
        own wait for the same key is left alone."""
        if self._pending.get(key) is event:
            del self._pending[key]
        event.set()


def _cacheable_request(scope: Scope, headers: Headers) -> bool:
    return (
        scope["method"] == "GET"
        and not scope["path"].startswith(UNCACHED_PREFIXES)
        and not _has_session(headers)
        and "authorization" not in headers
    )


#: The cookie that makes answers personal (paperwire.auth.sessions.SESSION_COOKIE).
SESSION_COOKIE = "pw_session"


def _has_session(headers: Headers) -> bool:
    """Whether the request carries the session cookie. Other cookies (the anonymous CSRF
    cookie) do not make a page personal: pages that render a token say ``no-store``."""
    return any(
        part.strip().startswith(SESSION_COOKIE + "=")
        for raw in headers.getlist("cookie")
        for part in raw.split(";")
    )


def _cacheable_response(status: int, headers: list[tuple[bytes, bytes]]) -> bool:
    if status != 200:
        return False
    for name, value in headers:
        if name in (b"set-cookie", b"vary"):  # personal, or one of several variants
            return False
        if name == b"cache-control" and (b"no-store" in value or b"private" in value):
            return False
    return True


def _revision(scope: Scope) -> int | None:
    """The store's cache version (papers and what jobs computed from them), or None when
    there is no store to ask (no caching then)."""
    app = scope.get("app")
    store = getattr(getattr(app, "state", None), "store", None)
    if store is None:
        return None
    try:
        return int(store.cache_version())
    except Exception:  # a failing database is /healthz's business: just do not cache
        return None


# -- the middleware ----------------------------------------------------------------------


class PaperwireMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        nonce = new_nonce()
        scope.setdefault("state", {})["nonce"] = nonce
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                # A route's own header wins (``/login/confirm`` asks for no referrer).
                headers.setdefault("content-security-policy", CSP.format(nonce=nonce))
                for name, value in SECURITY_HEADERS:
                    headers.setdefault(name, value)
            await send(message)

        route = "unmatched"
        try:
            route = await self._respond(scope, receive, send_with_headers, nonce)
        finally:
            elapsed = time.perf_counter() - started
            observe_request(scope["method"], route, status, elapsed)
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "route": route,
                        "status": status,
                        "ms": round(elapsed * 1000, 2),
                    },
                )

    async def _respond(self, scope: Scope, receive: Receive, send: Send, nonce: str) -> str:
        """Answer the request (from the cache or the app); returns the route template."""
        cache: ResponseCache | None = getattr(
            getattr(scope.get("app"), "state", None), "response_cache", None
        )
        headers = Headers(scope=scope)
        if cache is None or not _cacheable_request(scope, headers):
            await self.app(scope, receive, send)
            return _route(scope)
        revision = _revision(scope)
        if revision is None:
            await self.app(scope, receive, send)
            return _route(scope)
        key = (
            headers.get("host", ""),
            scope.get("root_path", ""),
            scope["path"],
            scope.get("query_string", b"").decode("latin-1"),
        )
        entry = cache.get(key, revision)
        if entry is None and (pending := cache.pending(key)) is not None:
            await pending.wait()  # another request is rendering this very answer
            entry = cache.get(key, revision)
            if entry is None:  # it could not be kept: render this one too
                await self.app(scope, receive, send)
                return _route(scope)
        if entry is not None:
            cache.hits += 1
            observe_cache(True)
            await _send_cached(entry, headers, nonce, send)
            return entry.route
        cache.misses += 1
        observe_cache(False)
        rendering = cache.begin(key)

        def keep(status: int, raw_headers: list[tuple[bytes, bytes]], body: bytes) -> None:
            cache.put(
                key,
                CachedResponse(
                    status,
                    raw_headers,
                    body,
                    nonce.encode("latin-1"),
                    _route(scope),
                    revision,
                    time.monotonic(),
                ),
            )
            cache.end(key, rendering)

        try:
            await self._record(scope, receive, send, cache.max_entry_bytes, keep)
        finally:
            cache.end(key, rendering)
        return _route(scope)

    async def _record(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        limit: int,
        keep: Callable[[int, list[tuple[bytes, bytes]], bytes], None],
    ) -> None:
        """Call the app, passing its answer on; an answer that may be kept is given to
        ``keep`` as soon as its body is complete, before it is sent: requests waiting for
        it are answered then, not after a slow client has read it."""
        start: dict[str, Any] = {}
        chunks: list[bytes] = []
        size = 0
        keeping = True

        async def recording_send(message: Message) -> None:
            nonlocal size, keeping
            if message["type"] == "http.response.start":
                start["status"] = message["status"]
                start["headers"] = [(bytes(k).lower(), bytes(v)) for k, v in message["headers"]]
                keeping = _cacheable_response(start["status"], start["headers"])
            elif message["type"] == "http.response.body" and keeping:
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    keeping = False
                    chunks.clear()
                else:
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        keeping = False  # kept now; nothing after the last chunk counts
                        keep(start["status"], start["headers"], b"".join(chunks))
            await send(message)

        await self.app(scope, receive, recording_send)


def _route(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


async def _send_cached(entry: CachedResponse, request: Headers, nonce: str, send: Send) -> None:
    """Send a cached answer with this response's nonce, or 304 when the client has it."""
    etag = last_modified = None
    for name, value in entry.headers:
        if name == b"etag":
            etag = value.decode("latin-1")
        elif name == b"last-modified":
            try:
                last_modified = parsedate_to_datetime(value.decode("latin-1"))
            except (TypeError, ValueError, IndexError):
                last_modified = None
    if (etag or last_modified) and is_not_modified(request, etag, last_modified):
        headers = [(k, v) for k, v in entry.headers if k in NOT_MODIFIED_HEADERS]
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    body = entry.body
    fresh = nonce.encode("latin-1")
    if entry.nonce in body:
        body = body.replace(entry.nonce, fresh)  # nonces have one length: same size
    await send(
        {"type": "http.response.start", "status": entry.status, "headers": list(entry.headers)}
    )
    await send({"type": "http.response.body", "body": body})


def install_middleware(app: FastAPI, *, cache: ResponseCache | None = None) -> None:
    """Add the middleware. The response cache lives in ``app.state.response_cache``
    (set it to None to turn caching off, as tests that count renders do)."""
    app.state.response_cache = cache if cache is not None else ResponseCache()
    app.add_middleware(PaperwireMiddleware)


# -- structured logs ---------------------------------------------------------------------

_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's copy of the message with terminal colours
}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and every ``extra`` field."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created)
            .astimezone()
            .isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _RECORD_FIELDS and not key.startswith("_"):
                data[key] = value
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str, ensure_ascii=False)


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` (also uvicorn's ``log_config``): JSON lines to
    stderr for paperwire and uvicorn; uvicorn's access log is off (the middleware logs
    every request)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "paperwire.web.middleware.JsonFormatter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "paperwire": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
