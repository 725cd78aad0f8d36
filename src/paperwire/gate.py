"""One gate every paper passes before it is stored, whatever its source.

Every parser in ``paperwire.sources`` (and so every fetcher that uses one) calls
``check_paper`` on each paper it builds, inside its per-record ``try``: a bad record
becomes ``Rejected(where, reason)`` and the good ones are kept. Reader submissions
(``paperwire.auth.submissions``) pass the same gate. ``check_paper`` returns the paper
with its text cleaned (a copy when anything changed) or raises ``ValueError`` whose
message says, in plain words, what is wrong. The rules:

- **types**: every field has the type ``Paper`` declares; anything else is rejected
  ("pdf_url must be text, not an object").
- **ids**: a real arXiv id (``normalize.is_arxiv_id``: new style with month 01-12 and a
  year from 07 to the current one, old style ``archive/YYMMNNN``), or an id of another
  source with one of ``ID_PREFIXES`` (``listing:3f2a...``, ``doi:10.1000/x``).
  ``version`` is 1 to ``MAX_VERSION``.
- **dates** (``published_at``, ``updated_at``, ``submitted_at``, ``first_seen_at`` and
  every feed date): from ``EARLIEST`` (1986-01-01, before arXiv and its forerunners) to
  ``FUTURE_SLACK`` (two days) after now, which leaves room for time zones and clocks
  that run ahead but keeps a ``9999-12-31`` from reaching date arithmetic. A date
  without a time zone is taken as UTC.
- **text**: the characters of ``normalize.CONTROL_CHARS`` (C0 controls except tab,
  newline and carriage return; DEL; C1; lone surrogates; U+FFFE, U+FFFF) are removed
  from every text field. Nothing else is rewritten.
- **links** (``abs_url``, ``pdf_url``, ``project_page``, ``github_repo``): ``http`` or
  ``https`` with a host, without spaces or control characters (not even removed: a link
  is taken as it is or not at all). Anything else (``javascript:``, ``data:``, a
  bare path) rejects the whole record rather than being replaced by the canonical
  arxiv.org address: a record with a forged link is suspect as a whole. An empty link
  is no link.
- **sizes**: ``MAX_CHARS`` per text field (checked before anything is cleaned),
  ``MAX_AUTHORS`` authors (big physics collaborations list about 3,000),
  ``MAX_CATEGORIES``, ``MAX_SOURCES``, ``MAX_FEED_DATES`` entries, counts (stars,
  upvotes) from 0 to ``MAX_COUNT``.

The limits are about ten times the largest value in the 74,728 recorded papers of
``shared/data`` and the bundled sample (title 226 characters, abstract 3,488, author name
512, comment 421, 3,303 authors), so real papers pass and a 10 MB abstract does not.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from operator import attrgetter, is_not
from typing import Any

from paperwire.links import safe_url
from paperwire.models import Author, FeedDate, Paper, Rejected
from paperwire.normalize import has_control, is_arxiv_id, strip_control, utcnow

log = logging.getLogger(__name__)

EARLIEST = datetime(1986, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=2)
MAX_VERSION = 1_000
MAX_COUNT = 1_000_000_000
MAX_AUTHORS = 10_000
MAX_CATEGORIES = 50
MAX_SOURCES = 20
MAX_FEED_DATES = 1_000
#: The most characters each text kept with a paper may have.
MAX_CHARS: dict[str, int] = {
    "id": 300,
    "title": 1_000,
    "abstract": 20_000,
    "comment": 5_000,
    "journal_ref": 1_000,
    "doi": 500,
    "license": 500,
    "submitted_by": 500,
    "author name": 1_000,
    "affiliation": 2_000,
    "category": 100,
    "source": 100,
    "feed": 100,
    "link": 2_000,
}
#: Prefixes of the ids of papers that have no arXiv id (``normalize.content_id``).
ID_PREFIXES = frozenset({"listing", "doi"})
_PREFIXED_ID = re.compile(r"([a-z][a-z0-9\-]*):(\S+)")
# Whitespace and control characters: never inside a link.
# The common, plainly safe link (checked without urlsplit): http(s), a host name, a path.
_PLAIN_LINK = re.compile(
    r"https?://[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?(?::\d{1,5})?(?:[/?#][!-~]*)?",
    re.IGNORECASE,
)
_LINKS = ("abs_url", "pdf_url", "project_page", "github_repo")
_OPTIONAL_TEXTS = ("comment", "journal_ref", "doi", "license", "submitted_by")
_MOMENTS = ("published_at", "updated_at", "submitted_at", "first_seen_at")


def kind_of(value: object) -> str:
    """What a value is, in the words of a JSON or form user: ``an object``, ``a list``..."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list | tuple | set):
        return "a list"
    if isinstance(value, datetime):
        return "a date and time"
    if isinstance(value, date):
        return "a day"
    return "something else"


def shown(text: str, limit: int = 80) -> str:
    """``text`` quoted for a message, cut at ``limit`` characters."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


def reason_of(exc: Exception) -> str:
    """A plain-words reason for what went wrong while reading one record."""
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    if isinstance(exc, OverflowError):
        return "a date or number is out of range"
    if isinstance(exc, UnicodeError):
        return "text that is not valid Unicode"
    if isinstance(exc, ValueError) and str(exc):
        return str(exc)
    if isinstance(exc, KeyError) and exc.args:
        return f"missing field {exc.args[0]!r}"
    return "a field holds a value of the wrong type or shape"


def _text(name: str, value: Any, *, limit: str | None = None) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be text, not {kind_of(value)}")
    cap = MAX_CHARS[limit or name]
    if len(value) > cap:
        raise ValueError(f"{name} is too long: {len(value):,} characters, at most {cap:,}")
    return strip_control(value)


def _optional_text(name: str, value: Any, *, limit: str | None = None) -> str | None:
    return None if value is None else _text(name, value, limit=limit)


def _link(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{name} must be text, not {kind_of(value)}")
    text = value.strip()
    if not text:
        return None
    cap = MAX_CHARS["link"]
    if len(text) > cap:
        raise ValueError(f"{name} is too long: {len(text):,} characters, at most {cap:,}")
    if _PLAIN_LINK.fullmatch(text):
        return text
    bad = ValueError(f"{name} must be an http(s) address, not {shown(text)}")
    if safe_url(text) is None:  # the one rule pages, feeds and mail apply too
        raise bad
    return text


def _number(name: str, value: Any, low: int, high: int) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name} must be a whole number, not {kind_of(value)}")
    if not low <= value <= high:
        raise ValueError(f"{name} {value} is out of range ({low:,} to {high:,})")
    return value


def _moment(name: str, value: Any, latest: datetime) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a date and time, not {kind_of(value)}")
    moment: datetime = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if not EARLIEST <= moment <= latest:
        raise ValueError(
            f"{name} {moment.date().isoformat()} is out of range "
            f"({EARLIEST.date().isoformat()} to {latest.date().isoformat()})"
        )
    return moment


def _list(name: str, value: Any, cap: int) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"{name} must be a list, not {kind_of(value)}")
    if len(value) > cap:
        raise ValueError(f"too many {name}: {len(value):,}, at most {cap:,}")
    return value


def check_id(value: Any) -> str:
    """``value`` if it is a real arXiv id or a prefixed id of another source."""
    if not isinstance(value, str):
        raise ValueError(f"id must be text, not {kind_of(value)}")
    if is_arxiv_id(value):
        return value
    match = _PREFIXED_ID.fullmatch(value)
    if (
        match is not None
        and match.group(1) in ID_PREFIXES
        and len(value) <= MAX_CHARS["id"]
        and not has_control(value)
    ):
        return value
    raise ValueError(f"id {shown(value)} is not a real arXiv id (such as 2401.01234)")


def _authors(value: Any) -> list[Author]:
    authors = _list("authors", value, MAX_AUTHORS)
    kept: list[Author] = []
    changed = False
    for author in authors:
        if not isinstance(author, Author):
            raise ValueError(f"each author must be a name, not {kind_of(author)}")
        name = _text("author name", author.name)
        affiliation = _optional_text("affiliation", author.affiliation)
        if not name:
            changed = True
            continue
        if name is not author.name or affiliation is not author.affiliation:
            changed = True
            author = Author(name, affiliation)
        kept.append(author)
    return kept if changed else authors


def _texts(name: str, value: Any, cap: int, limit: str) -> list[str]:
    items = _list(name, value, cap)
    cleaned = [text for text in (_text(limit, item) for item in items) if text]
    return items if cleaned == items else cleaned


def _feed_dates(value: Any, latest: date) -> list[FeedDate]:
    items = _list("feed dates", value, MAX_FEED_DATES)
    for item in items:
        if not isinstance(item, FeedDate):
            raise ValueError(f"each feed date must be a date, not {kind_of(item)}")
        if not isinstance(item.day, date) or isinstance(item.day, datetime):
            raise ValueError(f"a feed date must be a day, not {kind_of(item.day)}")
        _text("feed", item.feed)
        if has_control(item.feed):
            raise ValueError(f"feed name {shown(item.feed)} holds control characters")
        if not EARLIEST.date() <= item.day <= latest:
            raise ValueError(
                f"feed date {item.day.isoformat()} is out of range "
                f"({EARLIEST.date().isoformat()} to {latest.isoformat()})"
            )
    return items


_NAME = attrgetter("name")
_AFFILIATION = attrgetter("affiliation")
_DAY = attrgetter("day")
_FEED = attrgetter("feed")
_IS_SOMETHING = partial(is_not, None)
_clock: list[Any] = [0.0, EARLIEST]  # [monotonic time to ask again, latest date allowed]


def _latest() -> datetime:
    """Now plus ``FUTURE_SLACK``, from the clock at most once a second (an import checks
    thousands of papers a second)."""
    tick = time.monotonic()
    if tick >= _clock[0]:
        _clock[0], _clock[1] = tick + 1.0, utcnow() + FUTURE_SLACK
    latest: datetime = _clock[1]
    return latest


def _fine(value: Any, cap: int) -> bool:
    return value is None or (type(value) is str and len(value) <= cap)


def _fine_number(value: Any, low: int, high: int) -> bool:
    return value is None or (type(value) is int and low <= value <= high)


def _fine_moment(value: Any, latest: datetime) -> bool:
    return value is None or (
        type(value) is datetime and value.tzinfo is not None and EARLIEST <= value <= latest
    )


def _fine_link(value: Any) -> bool:
    return value is None or (
        type(value) is str
        and len(value) <= MAX_CHARS["link"]
        and bool(_PLAIN_LINK.fullmatch(value))
    )


def _passes_as_is(paper: Paper, latest: datetime) -> bool:
    """Whether ``paper`` passes every rule unchanged: the common case, told in a few
    C-speed steps (one join and one scan for control characters over all its text).
    False sends the paper through the rules one by one, which clean or say why not."""
    p = paper
    authors, categories, sources, feeds = p.authors, p.categories, p.sources, p.feed_dates
    if not (
        type(authors) is list
        and type(categories) is list
        and type(sources) is list
        and type(feeds) is list
        and len(authors) <= MAX_AUTHORS
        and len(categories) <= MAX_CATEGORIES
        and len(sources) <= MAX_SOURCES
        and len(feeds) <= MAX_FEED_DATES
    ):
        return False
    try:
        names = list(map(_NAME, authors))
        affiliations = list(filter(_IS_SOMETHING, map(_AFFILIATION, authors)))
        days = list(map(_DAY, feeds))
        feed_names = list(map(_FEED, feeds))
        optional = [p.comment, p.journal_ref, p.doi, p.license, p.submitted_by]
        text = "".join(
            [p.title, p.abstract, *filter(_IS_SOMETHING, optional)]
            + names
            + affiliations
            + categories
            + sources
            + feed_names
        )
    except (AttributeError, TypeError):  # not authors / feed dates, or not text
        return False
    title = p.title
    return (
        not has_control(text)
        and bool(title)
        and not title[0].isspace()
        and not title[-1].isspace()
        and len(title) <= MAX_CHARS["title"]
        and len(p.abstract) <= MAX_CHARS["abstract"]
        and _fine(p.comment, MAX_CHARS["comment"])
        and _fine(p.journal_ref, MAX_CHARS["journal_ref"])
        and _fine(p.doi, MAX_CHARS["doi"])
        and _fine(p.license, MAX_CHARS["license"])
        and _fine(p.submitted_by, MAX_CHARS["submitted_by"])
        and set(map(type, authors)) <= {Author}
        and all(names)
        and (not names or max(map(len, names)) <= MAX_CHARS["author name"])
        and (not affiliations or max(map(len, affiliations)) <= MAX_CHARS["affiliation"])
        and all(categories)
        and (not categories or max(map(len, categories)) <= MAX_CHARS["category"])
        and all(sources)
        and (not sources or max(map(len, sources)) <= MAX_CHARS["source"])
        and set(map(type, feeds)) <= {FeedDate}
        and set(map(type, days)) <= {date}
        and (not days or (min(days) >= EARLIEST.date() and max(days) <= latest.date()))
        and (not feed_names or max(map(len, feed_names)) <= MAX_CHARS["feed"])
        and _fine_number(p.version, 1, MAX_VERSION)
        and _fine_number(p.github_stars, 0, MAX_COUNT)
        and _fine_number(p.upvotes, 0, MAX_COUNT)
        and type(p.local_upvotes) is int
        and 0 <= p.local_upvotes <= MAX_COUNT
        and _fine_moment(p.published_at, latest)
        and _fine_moment(p.updated_at, latest)
        and _fine_moment(p.submitted_at, latest)
        and _fine_moment(p.first_seen_at, latest)
        and _fine_link(p.abs_url)
        and _fine_link(p.pdf_url)
        and _fine_link(p.project_page)
        and _fine_link(p.github_repo)
    )


def check_paper(paper: Paper, *, now: datetime | None = None) -> Paper:
    """``paper`` as it may be stored; ``ValueError`` with a plain reason when it may not.

    ``now`` (default: the clock) bounds the dates; see the module docstring for the rules.
    """
    if not isinstance(paper, Paper):
        raise ValueError(f"expected a paper, not {kind_of(paper)}")
    latest = now + FUTURE_SLACK if now is not None else _latest()
    check_id(paper.id)
    if _passes_as_is(paper, latest):
        return paper
    return _check_each(paper, latest)


def _check_each(paper: Paper, latest: datetime) -> Paper:
    """The rules one by one: the paper cleaned, or ValueError saying what is wrong."""
    title = _text("title", paper.title).strip()
    if not title:
        raise ValueError("title is empty")
    values: dict[str, Any] = {
        "title": title,
        "abstract": _text("abstract", paper.abstract),
        "version": _number("version", paper.version, 1, MAX_VERSION),
        "authors": _authors(paper.authors),
        "categories": _texts("categories", paper.categories, MAX_CATEGORIES, "category"),
        "sources": _texts("sources", paper.sources, MAX_SOURCES, "source"),
        "github_stars": _number("github_stars", paper.github_stars, 0, MAX_COUNT),
        "upvotes": _number("upvotes", paper.upvotes, 0, MAX_COUNT),
        "local_upvotes": _number("local_upvotes", paper.local_upvotes, 0, MAX_COUNT),
    }
    for name in _OPTIONAL_TEXTS:
        values[name] = _optional_text(name, getattr(paper, name))
    for name in _LINKS:
        values[name] = _link(name, getattr(paper, name))
    for name in _MOMENTS:
        values[name] = _moment(name, getattr(paper, name), latest)
    values["feed_dates"] = _feed_dates(paper.feed_dates, latest.date())
    if values["local_upvotes"] is None:
        raise ValueError("local_upvotes must be a whole number, not empty")
    changes = {k: v for k, v in values.items() if v is not getattr(paper, k)}
    return dataclasses.replace(paper, **changes) if changes else paper


def gate_record(build: Callable[[], Paper], where: str) -> Paper | Rejected:
    """The per-record ``try`` of every parser: ``build()`` passed through ``check_paper``,
    or ``Rejected(where, reason)`` whatever went wrong, so one record never stops a file."""
    try:
        return check_paper(build())
    except Exception as exc:  # one bad record must not stop the file: say why, go on
        if not isinstance(exc, ValueError):
            log.debug("%s: rejected after %r", where, exc, exc_info=exc)
        return Rejected(where, reason_of(exc))
