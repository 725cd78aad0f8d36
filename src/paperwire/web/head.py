"""``HEAD`` wherever ``GET`` works: the same status and headers, no body (RFC 9110 9.3.2).

FastAPI routes declared with ``@router.get`` answer ``HEAD`` with 405. This layer, the
outermost one, serves a ``HEAD`` as the ``GET`` of the same address (so it passes the
same checks, the response cache and the conditional-request logic) and drops the body;
``Content-Length`` stays the length the ``GET`` would send.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # the rest follows; send one empty body at the end
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app(dict(scope, method="GET"), receive, send_headers_only)


def install_head(app: FastAPI) -> None:
    """Add the layer; install it last, so it wraps every other one."""
    app.add_middleware(HeadAsGet)
