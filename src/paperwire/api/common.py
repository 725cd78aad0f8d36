"""What every ``/api/v1`` module shares: the route class that words errors, reading days
and paper ids from parameters, the address of the next page, and the error answers
routes declare.

Errors are ``{"detail": "<what was wrong>"}``: 400 for a parameter (query or path) that
cannot be used, naming it; 422 for a request body that is not what the route takes
(``body: not valid JSON ...`` when it is not JSON at all).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlencode

from fastapi import HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from paperwire.api.schemas import ErrorOut
from paperwire.http.params import FIRST_DAY, LAST_DAY, BadParam, check_paper_id, describe
from paperwire.models import Paper
from paperwire.normalize import split_arxiv_id
from paperwire.store import Store

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

Responses = dict[int | str, dict[str, Any]]


# -- errors ------------------------------------------------------------------------------


def _not_json(exc: RequestValidationError) -> str | None:
    """``body: not valid JSON (Expecting value at character 7)`` for a body that is no
    JSON at all; None for any other error."""
    for error in exc.errors():
        if error.get("type") == "json_invalid":
            loc = error.get("loc", ())
            where = f" at character {loc[1]}" if len(loc) > 1 else ""
            reason = str((error.get("ctx") or {}).get("error", "cannot be read"))
            return f"body: not valid JSON ({reason}{where})"
    return None


class ApiRoute(APIRoute):
    """Turns a bad parameter into 400 ``{"detail": "<parameter>: <problem>"}`` (one string
    a person can read, instead of FastAPI's list of error objects); a request body that
    is not JSON, or JSON that is not what the route takes, is 422."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                in_body = any(error["loc"][:1] == ("body",) for error in exc.errors())
                detail = _not_json(exc) or describe(exc)
                return JSONResponse({"detail": detail}, status_code=422 if in_body else 400)

        return route


class BadParameter(HTTPException):
    def __init__(self, name: str, problem: str) -> None:
        super().__init__(status_code=400, detail=f"{name}: {problem}")


def error(description: str) -> dict[str, Any]:
    """One entry of a route's ``responses``: an ``ErrorOut`` with what it means."""
    return {"model": ErrorOut, "description": description}


# -- reading parameters ------------------------------------------------------------------


def in_range(name: str, first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    if first < FIRST_DAY or last > LAST_DAY:
        raise BadParameter(name, f"out of range ({FIRST_DAY} to {LAST_DAY})")
    return first, last


def read_day(name: str, value: str) -> dt.date:
    try:
        if not _DAY.fullmatch(value):
            raise ValueError(value)
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise BadParameter(name, "expected YYYY-MM-DD") from None
    return in_range(name, day, day)[0]


def parse_day(name: str, value: str | None) -> dt.date | None:
    return read_day(name, value) if value is not None else None


def paper_id_of(raw: str) -> str:
    """``2401.01234v2``, ``arXiv:2401.01234`` or ``hep-th/9901001`` to the stored id;
    other ids (``doi:...``) are kept as they are."""
    split = split_arxiv_id(raw)
    return split[0] if split is not None else raw.strip()


def get_paper_or_404(store: Store, raw: str, name: str = "paper_id") -> Paper:
    """The paper; 400 for an id that cannot be one, 404 for one that is not stored."""
    try:
        check_paper_id(raw, name)
    except BadParam as exc:
        raise BadParameter(exc.name, exc.message) from None
    paper = store.get_paper(paper_id_of(raw))
    if paper is None:
        raise HTTPException(404, f"no paper {raw!r}")
    return paper


def next_url(request: Request, base_url: str, offset: int, more: bool) -> str | None:
    """The same request one page on, on the public address (``PAPERWIRE_BASE_URL``)."""
    if not more:
        return None
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "offset"]
    params.append(("offset", str(offset)))
    return f"{base_url.rstrip('/')}{request.url.path}?{urlencode(params)}"
