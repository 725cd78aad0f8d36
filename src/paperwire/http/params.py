"""One set of rules for the parameters of pages, feeds and the APIs.

A value that cannot be used raises ``BadParam`` naming the parameter; each surface answers
it as 400 in its own shape (an HTML page, plain text, JSON). Days are kept to
``FIRST_DAY``..``LAST_DAY``, the range in which every window, week and month around a
day can still be computed; a stored day outside it (a record dated 9999-12-31) is
skipped, never shown, so one bad record cannot take a page down. Search queries are
capped in characters and words, so one search request's work is bounded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine, Mapping
from datetime import date, timedelta
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from paperwire.normalize import CONTROL_CHARS
from paperwire.rank.trending import default_day
from paperwire.store import Store
from paperwire.store.base_library import ReaderList

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)
#: A search query longer than this is refused (characters, then words).
MAX_QUERY = 500
MAX_QUERY_WORDS = 64
#: Paper ids are short (``2401.01234``, ``doi:10.1000/xyz``); longer is not an id.
MAX_ID = 200
MAX_CATEGORY = 40
#: A list id as a form or path gives it: digits, at most this many.
MAX_LIST_ID_DIGITS = 12

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CATEGORY = re.compile(r"[A-Za-z][A-Za-z\-]*(?:\.[A-Za-z\-]+)?")


class BadParam(ValueError):
    """A parameter that cannot be used; the answer is 400 and names it."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


def shown(value: str, limit: int = 40) -> str:
    """``value`` quoted for a message: control characters escaped, long values cut."""
    return repr(value[:limit] + "…" if len(value) > limit else value)


def control_character(text: str) -> str | None:
    """The first character of ``text`` that no stored text may hold either
    (``normalize.CONTROL_CHARS``: XML cannot carry them), as ``U+0000``; None if none."""
    found = CONTROL_CHARS.search(text)
    return f"U+{ord(found[0]):04X}" if found else None


# -- days ---------------------------------------------------------------------------------


def is_shown_day(day: date) -> bool:
    """Whether pages can show ``day`` (and compute the week and month around it)."""
    return FIRST_DAY <= day <= LAST_DAY


def parse_day(name: str, value: str | None) -> date | None:
    """``YYYY-MM-DD`` within ``FIRST_DAY``..``LAST_DAY``; None when not given."""
    if not value:
        return None
    if not _DAY.fullmatch(value):
        raise BadParam(name, f"expected a date as YYYY-MM-DD, got {shown(value)}")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise BadParam(name, f"there is no such date as {shown(value)}") from None
    check_days(name, day, day)
    return day


def check_days(name: str, first: date, last: date) -> None:
    if first < FIRST_DAY or last > LAST_DAY:
        raise BadParam(name, f"out of range: days from {FIRST_DAY} to {LAST_DAY} only")


def latest_day(store: Store) -> date | None:
    """The latest day with papers that pages can show (stored days beyond ``LAST_DAY``,
    which only a bad record can have, are skipped)."""
    latest = store.feed_days()[1]
    if latest is None or latest <= LAST_DAY:
        return latest
    return store.feed_days(LAST_DAY + timedelta(days=1))[0]


def ranking_day(store: Store) -> date | None:
    """The day rankings stand on by default (``rank.trending.default_day``), never one
    beyond ``LAST_DAY``: then the latest day with papers that pages can show."""
    day = default_day(store)
    if day is None or day <= LAST_DAY:
        return day
    return latest_day(store)


# -- words ----------------------------------------------------------------------------------


def parse_category(value: str | None, name: str = "category") -> str | None:
    if not value:
        return None
    if len(value) > MAX_CATEGORY or not _CATEGORY.fullmatch(value):
        raise BadParam(name, f"expected an arXiv category such as cs.CV, got {shown(value)}")
    return value


def parse_query(value: str, name: str = "q") -> str:
    """A search query with its whitespace collapsed; refused when it holds a control
    character or is longer than ``MAX_QUERY`` characters or ``MAX_QUERY_WORDS`` words."""
    bad = control_character(value)
    if bad is not None:
        raise BadParam(name, f"the query holds a control character ({bad})")
    if len(value) > MAX_QUERY:
        raise BadParam(name, f"at most {MAX_QUERY} characters (got {len(value)})")
    words = value.split()
    if len(words) > MAX_QUERY_WORDS:
        raise BadParam(name, f"at most {MAX_QUERY_WORDS} words (got {len(words)})")
    return " ".join(words)


def check_paper_id(value: str, name: str = "id") -> str:
    """A paper id as a path gives it: refused when it cannot be an id at all (too long,
    a control character); an id that merely is not stored is the caller's 404."""
    if len(value) > MAX_ID:
        raise BadParam(name, f"a paper id has at most {MAX_ID} characters (got {len(value)})")
    bad = control_character(value)
    if bad is not None:
        raise BadParam(name, f"a paper id holds no control characters (got {bad})")
    return value


def parse_list_id(value: str, name: str = "list") -> int:
    """A list's number: digits only, from 1."""
    if (
        not (value.isascii() and value.isdigit())
        or len(value) > MAX_LIST_ID_DIGITS
        or int(value) < 1
    ):
        raise BadParam(name, f"expected a list number, got {shown(value)}")
    return int(value)


def public_list(store: Store, list_id: str, name: str = "list") -> ReaderList | None:
    """The shared list of that number; None when there is none or it is private;
    ``BadParam`` for no number."""
    found = store.get_list(parse_list_id(list_id, name))
    return found if found is not None and found.is_public else None


# -- FastAPI's own checks ---------------------------------------------------------------------


def describe(exc: RequestValidationError) -> str:
    """``limit: Input should be less than or equal to 100`` (every error, ``; `` apart)."""
    parts = []
    for error in exc.errors():
        loc = [str(p) for p in error.get("loc", ()) if p not in ("query", "path", "body")]
        message = str(error.get("msg", "invalid"))
        parts.append(f"{'.'.join(loc)}: {message}" if loc else message)
    return "; ".join(parts) or "invalid request"


#: answer(status, message, headers): an error in a surface's own shape.
ErrorAnswer = Callable[[int, str, Mapping[str, str] | None], Response]


def answering_errors(answer: ErrorAnswer) -> type[APIRoute]:
    """A route class whose every error is ``answer(...)``: a bad parameter (FastAPI's own
    check or ``BadParam``) is a 400 naming it, an ``HTTPException`` keeps its status."""

    class Route(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def route(request: Request) -> Response:
                try:
                    return await handler(request)
                except RequestValidationError as exc:
                    return answer(400, describe(exc), None)
                except BadParam as exc:
                    return answer(400, str(exc), None)
                except HTTPException as exc:
                    return answer(exc.status_code, str(exc.detail), exc.headers)

            return route

    return Route
