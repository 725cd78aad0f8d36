"""``arxiv-atom``: arXiv API (``export.arxiv.org/api/query``) Atom responses, and the fetcher.

Both flavours the API has served are read:
- the old one (2016): namespaces declared on each element, ``http://`` links,
  ``arxiv:primary_category`` with a ``scheme``;
- the new one (2026): namespaces on the root, ``https://`` links, ``arxiv:*`` elements in
  a different order. Ids keep the ``http://arxiv.org/abs/...vN`` form in both.

The XML is read with ``defusedxml.ElementTree`` rather than feedparser:
- it is strict: a truncated or broken response is an error as a whole (feedparser is
  lenient by design, sets ``bozo`` and hands back whatever entries it recovered, which is
  the opposite of "nothing of a broken file is kept");
- it keeps the structure: each ``arxiv:affiliation`` stays with its ``author``
  (feedparser folds namespaced author children into the entry, losing which author an
  affiliation belongs to), and text comes back as sent, without HTML sanitising;
- it refuses entity expansion and external references, so a hostile response cannot
  blow up memory.

The API answers a bad request (e.g. a malformed id) with a feed holding one entry titled
``Error`` whose id is ``http://arxiv.org/api/errors#...``; that is never a paper: reading
it raises ``ArxivAnswerError`` with the error's text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import IO, Any
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError as XMLSyntaxError

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from paperwire.config import Settings
from paperwire.errors import ParseError, SourceAnswerError, SourceError
from paperwire.gate import gate_record, shown
from paperwire.models import Author, Paper
from paperwire.normalize import (
    clean_optional,
    clean_text,
    find_github_repo,
    parse_datetime,
    split_arxiv_id,
    utcnow,
)
from paperwire.sources.base import Checkpoint, Checkpoints, Page, Pages, Record, paper_page
from paperwire.sources.http import PoliteClient

log = logging.getLogger(__name__)

SOURCE = "arxiv-api"

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"

# ACM/MSC classes that can appear as category terms ("68T45", "I.2.6").
_CATEGORY = re.compile(r"^[a-z\-]+(\.[A-Za-z\-]+)?$")

#: How many more times an empty page is asked for while the feed says more results exist.
EMPTY_PAGE_RETRIES = 2
#: ``submittedDate`` range bounds, minute precision.
_QUERY_TIME = "%Y%m%d%H%M"


class ArxivAnswerError(SourceAnswerError, ParseError):
    """arXiv answered with an error document instead of papers.

    It is a ``SourceAnswerError`` for fetchers and a ``ParseError`` for file imports
    (``import_files`` then keeps nothing of the file and reports it).
    """


@dataclass(frozen=True, slots=True)
class PageInfo:
    """The OpenSearch paging elements of one API response (None when absent)."""

    total: int | None
    start: int | None
    per_page: int | None


@dataclass(frozen=True, slots=True)
class AtomPage:
    info: PageInfo
    records: list[Record]


# -- parsing -----------------------------------------------------------------------------


def parse_xml(data: bytes, *, origin: str) -> Element:
    """The root element of an XML document; ParseError when it is not well-formed."""
    try:
        return SafeET.fromstring(data)
    except XMLSyntaxError as exc:
        raise ParseError(origin, f"not well-formed XML ({exc})") from exc
    except DefusedXmlException as exc:
        raise ParseError(
            origin, "refused XML: entity declarations, DTDs and external references are not read"
        ) from exc


def _text(parent: Element, tag: str) -> str | None:
    found = parent.find(tag)
    return found.text if found is not None else None


def _int(parent: Element, tag: str, origin: str) -> int | None:
    raw = _text(parent, tag)
    if raw is None or not raw.strip():
        return None
    try:
        return int(raw.strip())
    except ValueError as exc:
        raise ParseError(origin, f"{tag.split('}')[-1]} is not a number: {shown(raw)}") from exc


def _page_info(root: Element, origin: str) -> PageInfo:
    return PageInfo(
        total=_int(root, f"{OPENSEARCH}totalResults", origin),
        start=_int(root, f"{OPENSEARCH}startIndex", origin),
        per_page=_int(root, f"{OPENSEARCH}itemsPerPage", origin),
    )


def _feed_root(data: bytes, origin: str) -> Element:
    root = parse_xml(data, origin=origin)
    if root.tag != f"{ATOM}feed":
        raise ParseError(origin, f"not an Atom feed (root element {root.tag!r})")
    return root


def _raise_if_error_entry(entry: Element, origin: str) -> None:
    raw_id = clean_text(_text(entry, f"{ATOM}id"))
    title = clean_text(_text(entry, f"{ATOM}title"))
    if "/api/errors" in raw_id or (title == "Error" and split_arxiv_id(raw_id) is None):
        message = clean_text(_text(entry, f"{ATOM}summary")) or raw_id or "unknown error"
        raise ArxivAnswerError(origin, f"arXiv API error: {message}")


def _authors(entry: Element) -> list[Author]:
    authors = []
    for node in entry.findall(f"{ATOM}author"):
        name = clean_text(_text(node, f"{ATOM}name"))
        if not name:
            continue
        affiliations = [clean_text(a.text) for a in node.findall(f"{ARXIV}affiliation")]
        affiliation = "; ".join(a for a in affiliations if a) or None
        authors.append(Author(name, affiliation))
    return authors


def _categories(entry: Element) -> list[str]:
    terms: list[str] = []
    primary = entry.find(f"{ARXIV}primary_category")
    if primary is not None:
        terms.append(primary.get("term") or "")
    terms.extend(node.get("term") or "" for node in entry.findall(f"{ATOM}category"))
    seen: list[str] = []
    for term in terms:
        term = term.strip()
        if _CATEGORY.match(term) and term not in seen:
            seen.append(term)
    return seen


def _links(entry: Element) -> tuple[str | None, str | None]:
    abs_url = pdf_url = None
    for link in entry.findall(f"{ATOM}link"):
        href = (link.get("href") or "").strip() or None
        if link.get("title") == "pdf":
            pdf_url = pdf_url or href
        elif link.get("rel", "alternate") == "alternate":
            abs_url = abs_url or href
    return abs_url, pdf_url


def _date(entry: Element, tag: str) -> datetime | None:
    value = _text(entry, f"{ATOM}{tag}")
    try:
        return parse_datetime(value)
    except ValueError:
        raise ValueError(f"bad {tag} date {shown(value or '')}") from None


def parse_entry(entry: Element) -> Paper:
    """One ``<entry>`` to a paper; raises ValueError when it is not one."""
    raw_id = clean_text(_text(entry, f"{ATOM}id"))
    if not raw_id:
        raise ValueError("missing id")
    split = split_arxiv_id(raw_id)
    if split is None:
        raise ValueError(f"not an arXiv id: {shown(raw_id)}")
    paper_id, version = split
    title = clean_text(_text(entry, f"{ATOM}title"))
    if not title:
        raise ValueError("missing title")
    abstract = clean_text(_text(entry, f"{ATOM}summary"))
    comment = clean_optional(_text(entry, f"{ARXIV}comment"))
    abs_url, pdf_url = _links(entry)
    return Paper(
        id=paper_id,
        version=version,
        title=title,
        abstract=abstract,
        authors=_authors(entry),
        categories=_categories(entry),
        published_at=_date(entry, "published"),
        updated_at=_date(entry, "updated"),
        comment=comment,
        journal_ref=clean_optional(_text(entry, f"{ARXIV}journal_ref")),
        doi=clean_optional(_text(entry, f"{ARXIV}doi")),
        abs_url=abs_url,
        pdf_url=pdf_url,
        github_repo=find_github_repo(abstract, comment),
        sources=[SOURCE],
    )


def read_page(data: bytes, *, origin: str) -> AtomPage:
    """A whole API response: its paging numbers and its records.

    Raises ParseError for a response that is not a well-formed Atom feed and
    ArxivAnswerError for arXiv's ``Error`` answer.
    """
    root = _feed_root(data, origin)
    entries = root.findall(f"{ATOM}entry")
    for entry in entries:
        _raise_if_error_entry(entry, origin)
    records: list[Record] = [
        gate_record(partial(parse_entry, entry), f"{origin}#entry{number}")
        for number, entry in enumerate(entries, start=1)
    ]
    return AtomPage(_page_info(root, origin), records)


def page_info(stream: IO[bytes], *, origin: str) -> PageInfo:
    """``opensearch:totalResults``, ``startIndex`` and ``itemsPerPage`` of a response."""
    return _page_info(_feed_root(stream.read(), origin), origin)


def parse_arxiv_atom(stream: IO[bytes], *, origin: str) -> Iterator[Record]:
    yield from read_page(stream.read(), origin=origin).records


# -- fetching ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Window:
    """A ``submittedDate`` window being fetched and the next ``start`` in it."""

    begin: datetime
    end: datetime
    start: int = 0

    def query(self, category: str) -> str:
        span = f"{self.begin.strftime(_QUERY_TIME)} TO {self.end.strftime(_QUERY_TIME)}"
        return f"cat:{category} AND submittedDate:[{span}]"

    def checkpoint(self, start: int, total: int | None, complete: bool) -> dict[str, Any]:
        return {
            "from": self.begin.isoformat(),
            "to": self.end.isoformat(),
            "start": start,
            "total": total,
            "complete": complete,
        }


def _minute(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(second=0, microsecond=0)


def _next_window(checkpoint: dict[str, Any] | None, settings: Settings) -> _Window | None:
    """Resume an unfinished window, or start the one after the last finished window
    (first run: ``fetch_days`` back from now). None when there is nothing new yet."""
    now = _minute(utcnow())
    if checkpoint is not None:
        try:
            begin = _minute(datetime.fromisoformat(str(checkpoint["from"])))
            end = _minute(datetime.fromisoformat(str(checkpoint["to"])))
            start = int(checkpoint.get("start", 0))
            complete = bool(checkpoint.get("complete", False))
        except (KeyError, TypeError, ValueError):
            log.warning("ignoring an unreadable arxiv checkpoint: %r", checkpoint)
        else:
            if not complete:
                return _Window(begin, end, start)
            if now <= end:
                return None
            # Reach back: papers submitted late in the last window may be announced only now.
            overlap = timedelta(hours=settings.arxiv_window_overlap_hours)
            return _Window(end - overlap, now)
    return _Window(now - timedelta(days=settings.fetch_days), now)


def _request_page(
    client: PoliteClient, settings: Settings, category: str, window: _Window, start: int
) -> AtomPage:
    params = {
        "search_query": window.query(category),
        "sortBy": "submittedDate",
        "sortOrder": "ascending",
        "start": start,
        "max_results": settings.page_size,
    }
    origin = f"{settings.arxiv_api_url} cat:{category} start={start}"
    response = client.get(settings.arxiv_api_url, params, ok=frozenset({200, 400}))
    if response.status_code == 200:
        return read_page(response.content, origin=origin)
    try:
        read_page(response.content, origin=origin)  # raises ArxivAnswerError for "Error"
    except ArxivAnswerError:
        raise
    except ParseError:
        pass
    excerpt = " ".join(response.text[:200].split())
    raise SourceError(f"{origin}: HTTP {response.status_code}: {excerpt}")


def _category_pages(
    client: PoliteClient, settings: Settings, category: str, checkpoint: Checkpoint | None
) -> Pages[Paper]:
    name = checkpoint_name(category)
    window = _next_window(checkpoint, settings)
    if window is None:
        log.info("%s: nothing new since the last window", name)
        return
    start = window.start
    if start == 0:
        # Pin the window first, so an interruption before the first page resumes it.
        yield Page(name, window.checkpoint(0, None, complete=False))
    while True:
        page = _request_page(client, settings, category, window, start)
        total = page.info.total
        if total is None:
            raise ParseError(f"{name} start={start}", "no opensearch:totalResults in the answer")
        retries = 0
        while not page.records and start < total and retries < EMPTY_PAGE_RETRIES:
            retries += 1
            log.warning("%s: empty page at start=%d of %d, asking again", name, start, total)
            page = _request_page(client, settings, category, window, start)
            total = page.info.total if page.info.total is not None else total
        if not page.records and start < total:
            yield Page(
                name,
                errors=(
                    f"{name}: arXiv answered an empty page at start={start} of {total} "
                    f"{EMPTY_PAGE_RETRIES + 1} times; the next run resumes there",
                ),
            )
            return
        next_start = start + len(page.records)
        complete = next_start >= total or not page.records
        yield paper_page(name, window.checkpoint(next_start, total, complete), page.records)
        if complete:
            return
        start = next_start


def checkpoint_name(category: str) -> str:
    return f"arxiv:{category}"


def checkpoint_names(settings: Settings) -> list[str]:
    return [checkpoint_name(category) for category in settings.categories]


def fetch_pages(client: PoliteClient, settings: Settings, checkpoints: Checkpoints) -> Pages[Paper]:
    """The papers submitted since the last run, category by category, a page at a time.

    Each page carries the checkpoint ``arxiv:{category}`` (the ``submittedDate`` window
    and the next ``start``), so an interrupted fetch resumes at the next page. A category
    that fails is reported in a page's ``errors`` and the fetch goes on with the next one.
    """
    for category in settings.categories:
        name = checkpoint_name(category)
        try:
            yield from _category_pages(client, settings, category, checkpoints.get(name))
        except (SourceError, ParseError) as exc:
            yield Page(name, errors=(f"{name}: {exc}",))
