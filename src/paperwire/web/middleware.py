"""Security headers (a CSP with a per-request nonce), request metrics and logs."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from paperwire.web.metrics import observe_request

log = logging.getLogger("paperwire.web")

CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def install_middleware(app: FastAPI) -> None:
    @app.middleware("http")
    async def headers_and_metrics(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request.state.nonce = secrets.token_urlsafe(16)
        started = time.perf_counter()
        response = await call_next(request)
        elapsed = time.perf_counter() - started
        response.headers["Content-Security-Policy"] = CSP.format(nonce=request.state.nonce)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        response.headers["X-Frame-Options"] = "DENY"
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        observe_request(request.method, path, response.status_code, elapsed)
        log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.url.path,
                "route": path,
                "status": response.status_code,
                "ms": round(elapsed * 1000, 2),
            },
        )
        return response
