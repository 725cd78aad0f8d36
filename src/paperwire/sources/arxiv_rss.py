"""``arxiv-rss``: the daily announcement feeds of ``rss.arxiv.org``, and the fetcher.

Both flavours arXiv serves for a category are read (https://rss.arxiv.org/rss/cs.CV and
https://rss.arxiv.org/atom/cs.CV); they carry the same data:
- RSS 2.0: ``<item>`` with ``title``, ``link`` (the abs page, without version),
  ``description``, ``guid`` (``oai:arXiv.org:2401.01234v2``), ``category`` elements,
  ``pubDate`` (the announcement day, midnight US Eastern); the channel ``pubDate`` is
  the announcement day of the whole feed;
- Atom: ``<entry>`` with ``id`` (the oai id), ``title``, ``link``, ``summary``,
  ``category term=...``, ``published`` (the announcement day);
- both: ``arxiv:announce_type`` (new, cross, replace, replace-cross), ``dc:creator``
  (authors separated by commas, affiliations in parentheses), ``dc:rights`` (licence),
  and, when known, ``arxiv:DOI`` and ``arxiv:journal_reference``.

The description starts with ``arXiv:2401.01234v2 Announce Type: new Abstract: ...``: the
version comes from there. Every item gets the feed day as an ``arxiv`` feed date (the
announcement listings the daily crawl recorded hold cross-lists and replacements too).
A feed with no items (weekends, holidays) is normal. The XML is read with
``defusedxml`` for the reasons given in ``arxiv_atom``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from functools import partial
from typing import IO
from xml.etree.ElementTree import Element

from paperwire.config import Settings
from paperwire.errors import ParseError, SourceError
from paperwire.gate import gate_record
from paperwire.models import Author, FeedDate, Paper
from paperwire.normalize import (
    clean_optional,
    clean_text,
    find_github_repo,
    split_arxiv_id,
)
from paperwire.sources.arxiv_atom import ArxivAnswerError, parse_xml
from paperwire.sources.base import Checkpoint, Checkpoints, Page, Pages, Record, paper_page
from paperwire.sources.http import PoliteClient

log = logging.getLogger(__name__)

SOURCE = "arxiv-rss"
FEED = "arxiv"

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
DC = "{http://purl.org/dc/elements/1.1/}"

_DESCRIPTION = re.compile(
    r"^\s*arXiv:(?P<id>\S+)\s+Announce\s+Type:\s*(?P<type>[\w\-]+)\.?\s*"
    r"(?:Abstract:\s*)?(?P<abstract>.*)$",
    re.DOTALL,
)
_CATEGORY = re.compile(r"^[a-z\-]+(\.[A-Za-z\-]+)?$")
_AND = re.compile(r"\s+and\s+")


@dataclass(frozen=True, slots=True)
class RssFeed:
    """One feed: its announcement day (None for an Atom feed without entries) and records."""

    day: date | None
    records: list[Record]


@dataclass(frozen=True, slots=True)
class _Item:
    """The fields of one item, whichever flavour it came from."""

    ids: list[str]
    title: str | None
    description: str | None
    link: str | None
    categories: list[str]
    day: date | None
    node: Element


def _text(parent: Element, tag: str) -> str | None:
    found = parent.find(tag)
    return found.text if found is not None else None


def _day(value: str | None, *, rfc822: bool) -> date | None:
    """The calendar day of a timestamp in its own time zone (arXiv's midnight Eastern)."""
    if value is None or not value.strip():
        return None
    try:
        when = parsedate_to_datetime(value) if rfc822 else datetime.fromisoformat(value.strip())
    except (TypeError, ValueError):
        return None
    return when.date()


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside parentheses: ``A (X, Y), B`` -> ``["A (X, Y)", "B"]``."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def parse_creators(text: str | None) -> list[Author]:
    """``dc:creator`` to authors: ``"Ada Lovelace (Analytical Engines), Alan Turing"``."""
    authors: list[Author] = []
    for part in _split_top_level(clean_text(text)):
        names = [part] if "(" in part else _AND.split(part)
        for raw in names:
            raw = raw.strip()
            affiliation = None
            if raw.endswith(")") and "(" in raw:
                raw, _, rest = raw.partition("(")
                affiliation = clean_optional(rest[:-1])
            name = clean_text(raw)
            if name:
                authors.append(Author(name, affiliation))
    return authors


def _categories(terms: list[str]) -> list[str]:
    seen: list[str] = []
    for term in terms:
        term = term.strip()
        if _CATEGORY.match(term) and term not in seen:
            seen.append(term)
    return seen


def _rss_items(channel: Element) -> Iterator[_Item]:
    for node in channel.findall("item"):
        yield _Item(
            ids=[_text(node, "guid") or "", _text(node, "link") or ""],
            title=_text(node, "title"),
            description=_text(node, "description"),
            link=_text(node, "link"),
            categories=[c.text or "" for c in node.findall("category")],
            day=_day(_text(node, "pubDate"), rfc822=True),
            node=node,
        )


def _atom_items(root: Element) -> Iterator[_Item]:
    for node in root.findall(f"{ATOM}entry"):
        link = None
        for candidate in node.findall(f"{ATOM}link"):
            if candidate.get("rel", "alternate") == "alternate":
                link = candidate.get("href")
                break
        yield _Item(
            ids=[_text(node, f"{ATOM}id") or "", link or ""],
            title=_text(node, f"{ATOM}title"),
            description=_text(node, f"{ATOM}summary"),
            link=link,
            categories=[c.get("term") or "" for c in node.findall(f"{ATOM}category")],
            day=_day(_text(node, f"{ATOM}published"), rfc822=False),
            node=node,
        )


def _paper(item: _Item, feed_day: date | None) -> Paper:
    """One item to a paper; raises ValueError when it is not one."""
    match = _DESCRIPTION.match(item.description or "")
    candidates = ([f"arXiv:{match.group('id')}"] if match else []) + item.ids
    paper_id: str | None = None
    version: int | None = None
    for raw in candidates:
        split = split_arxiv_id(raw) if raw.strip() else None
        if split is not None:
            if paper_id is None:
                paper_id, version = split
            elif split[0] == paper_id and version is None:
                version = split[1]
    if paper_id is None:
        raise ValueError("missing id")
    title = clean_text(item.title)
    if not title:
        raise ValueError("missing title")
    abstract = clean_text(match.group("abstract") if match else item.description)
    comment = clean_optional(_text(item.node, f"{ARXIV}comment"))
    day = item.day or feed_day
    link = (item.link or "").strip()
    return Paper(
        id=paper_id,
        version=version,
        title=title,
        abstract=abstract,
        authors=parse_creators(_text(item.node, f"{DC}creator")),
        categories=_categories(item.categories),
        comment=comment,
        journal_ref=clean_optional(_text(item.node, f"{ARXIV}journal_reference")),
        doi=clean_optional(_text(item.node, f"{ARXIV}DOI")),
        license=clean_optional(_text(item.node, f"{DC}rights")),
        abs_url=link or f"https://arxiv.org/abs/{paper_id}",
        pdf_url=f"https://arxiv.org/pdf/{paper_id}",
        github_repo=find_github_repo(abstract, comment),
        sources=[SOURCE],
        feed_dates=[FeedDate(day, FEED)] if day is not None else [],
    )


def read_feed(data: bytes, *, origin: str) -> RssFeed:
    """A whole feed: its announcement day and its records.

    Raises ParseError for what is not a well-formed RSS 2.0 or Atom feed, and
    ``ArxivAnswerError`` for arXiv's error feed ("Feed error for query: ...").
    """
    root = parse_xml(data, origin=origin)
    if root.tag == "rss":
        channel = root.find("channel")
        if channel is None:
            raise ParseError(origin, "RSS without a <channel>")
        title = clean_text(_text(channel, "title"))
        items = list(_rss_items(channel))
        feed_day = _day(_text(channel, "pubDate"), rfc822=True) or next(
            (i.day for i in items if i.day is not None), None
        )
        kind = "item"
        message = clean_text(_text(channel, "description"))
    elif root.tag == f"{ATOM}feed":
        title = clean_text(_text(root, f"{ATOM}title"))
        items = list(_atom_items(root))
        feed_day = next((i.day for i in items if i.day is not None), None)
        kind = "entry"
        message = clean_text(_text(root, f"{ATOM}subtitle"))
    else:
        raise ParseError(origin, f"not an RSS or Atom feed (root element {root.tag!r})")
    if title.startswith("Feed error"):
        raise ArxivAnswerError(origin, f"arXiv RSS error: {message or title}")
    records: list[Record] = [
        gate_record(partial(_paper, item, feed_day), f"{origin}#{kind}{number}")
        for number, item in enumerate(items, start=1)
    ]
    return RssFeed(feed_day, records)


def parse_arxiv_rss(stream: IO[bytes], *, origin: str) -> Iterator[Record]:
    yield from read_feed(stream.read(), origin=origin).records


# -- fetching ----------------------------------------------------------------------------


def checkpoint_name(category: str) -> str:
    return f"rss:{category}"


def checkpoint_names(settings: Settings) -> list[str]:
    return [checkpoint_name(category) for category in settings.categories]


def _category_page(
    client: PoliteClient, settings: Settings, category: str, checkpoint: Checkpoint | None
) -> Page[Paper] | None:
    url = f"{settings.arxiv_rss_url.rstrip('/')}/{category}"
    response = client.get(url, ok=frozenset({200, 400}))
    if response.status_code != 200:
        try:
            read_feed(response.content, origin=url)  # raises ArxivAnswerError for an error feed
        except ArxivAnswerError:
            raise
        except ParseError:
            pass
        excerpt = " ".join(response.text[:200].split())
        raise SourceError(f"{url}: HTTP {response.status_code}: {excerpt}")
    feed = read_feed(response.content, origin=url)
    name = checkpoint_name(category)
    last = (checkpoint or {}).get("day")
    if feed.day is not None and isinstance(last, str) and feed.day.isoformat() <= last:
        log.info("%s: the feed of %s was already imported", name, feed.day)
        return None
    after = {"day": feed.day.isoformat()} if feed.day is not None else None
    return paper_page(name, after, feed.records)


def fetch_pages(client: PoliteClient, settings: Settings, checkpoints: Checkpoints) -> Pages[Paper]:
    """Today's announcement feed of each category, unless it was imported already.

    The checkpoint ``rss:{category}`` holds the day of the last imported feed; each
    category's feed is one page. A category that fails is reported in a page's
    ``errors`` and the fetch goes on with the next one.
    """
    for category in settings.categories:
        name = checkpoint_name(category)
        try:
            page = _category_page(client, settings, category, checkpoints.get(name))
        except (SourceError, ParseError) as exc:
            page = Page(name, errors=(f"{name}: {exc}",))
        if page is not None:
            yield page
