"""What every page shares: parameter parsing that names the bad parameter, rendering, errors."""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException

from paperwire.http.params import BadParam, parse_category, parse_day, shown
from paperwire.models import Paper, Scored
from paperwire.store import Store

__all__ = ["BadParam", "parse_category", "parse_choice", "parse_day", "parse_page"]

PER_PAGE = 30
MAX_PAGE = 1000


def parse_page(value: str | None) -> int:
    if not value:
        return 1
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_PAGE:
        raise BadParam("page", f"expected a page number from 1 to {MAX_PAGE}, got {shown(value)}")
    return int(value)


def parse_choice(name: str, value: str | None, choices: Sequence[str], default: str) -> str:
    if not value:
        return default
    if value not in choices:
        raise BadParam(name, f"expected one of {', '.join(choices)}, got {shown(value)}")
    return value


def render(
    request: Request,
    templates: Jinja2Templates,
    name: str,
    context: dict[str, Any],
    status_code: int = 200,
) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def error_page(
    request: Request, templates: Jinja2Templates, status_code: int, title: str, message: str
) -> HTMLResponse:
    context = {"title": title, "message": message, "status_code": status_code}
    return render(request, templates, "error.html", context, status_code)


def bad_param(request: Request, templates: Jinja2Templates, error: BadParam) -> HTMLResponse:
    return error_page(
        request, templates, 400, f"Bad parameter “{error.name}”", f"{error.name}: {error.message}"
    )


#: Paths whose errors stay JSON (FastAPI's own answer).
JSON_PREFIXES = ("/api/", "/feeds/", "/openapi.json")


async def http_error_page(request: Request, exc: Exception) -> Response:
    """Errors of pages (an unknown path, a wrong method) as HTML pages; the APIs and feeds
    keep FastAPI's JSON. Install with ``app.add_exception_handler(HTTPException, ...)``."""
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith(JSON_PREFIXES) or not hasattr(request.state, "nonce"):
        return await http_exception_handler(request, exc)
    try:
        title = HTTPStatus(exc.status_code).phrase
    except ValueError:
        title = "Error"
    message = "There is no page at this address." if exc.status_code == 404 else str(exc.detail)
    response = error_page(request, request.app.state.templates, exc.status_code, title, message)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def scored_papers(store: Store, scored: Sequence[Scored]) -> list[tuple[Paper, Scored]]:
    """The papers behind a result list, in its order (ids no longer stored are skipped)."""
    papers = store.get_papers([s.paper_id for s in scored])
    return [(papers[s.paper_id], s) for s in scored if s.paper_id in papers]
