"""A busy database answers 503 with ``Retry-After``, never 500.

The store raises ``StoreBusy`` when a write cannot start within its bound (about a
second) because another writer (an import, an index or ranking run) holds the database.
Nothing was written, so the client may simply try again: pages get the HTML error page,
the APIs and feeds FastAPI's JSON (``http_error_page`` picks).
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from paperwire.errors import StoreBusy
from paperwire.web.pages.common import http_error_page

BUSY_MESSAGE = "The database is busy with another writer; nothing was saved. Try again shortly."


async def store_busy_page(request: Request, exc: Exception) -> Response:
    """Install with ``app.add_exception_handler(StoreBusy, store_busy_page)``."""
    retry_after = exc.retry_after if isinstance(exc, StoreBusy) else 1
    answer = HTTPException(503, BUSY_MESSAGE, headers={"Retry-After": str(retry_after)})
    return await http_error_page(request, answer)
