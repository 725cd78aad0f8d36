"""Atom 1.0 and RSS 2.0 documents of a list of papers, made with feedgen.

The same papers give the same bytes: every date in the document comes from the papers
(never from the clock), so a body hash is a stable ETag and two server processes answer
a feed reader alike.

Entries:

- ``id`` (RSS ``guid``): ``https://arxiv.org/abs/{id}`` for arXiv papers (stable across
  versions and across servers, the id feed readers already know), else the paper's page
  on ``base_url``;
- ``updated``: the paper's latest version, else its publication, else the day a daily
  feed announced it, else when it was first seen; RSS carries it as ``dc:date`` and the
  publication as ``pubDate``;
- the title, authors (RSS: one ``dc:creator`` each) and the abstract as plain-text
  summary, with LaTeX turned into readable text (``paperwire.text.plain_text``: feed
  readers do not typeset, so ``\\emph{x}`` is x, ``Erd\\H{o}s--R\\'enyi`` Erdős–Rényi and
  ``$\\alpha \\le \\beta$`` α≤β); categories (primary first);
- links: ``alternate`` to the paper's page on ``base_url``, ``related`` to its arXiv
  abstract page and PDF (a stored link only when ``links.safe_url`` passes it).

Text goes in without the characters XML cannot hold (control characters, which only a
bad record carries), so one such record never takes its whole feed down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any, Literal
from urllib.parse import quote

from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]

from paperwire import __version__
from paperwire.links import safe_url
from paperwire.models import Paper
from paperwire.normalize import strip_control
from paperwire.text import plain_text

Kind = Literal["atom", "rss"]
KINDS: tuple[Kind, ...] = ("atom", "rss")
MEDIA_TYPES: dict[Kind, str] = {
    "atom": "application/atom+xml; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
}
ARXIV_SCHEME = "http://arxiv.org/schemas/atom"
#: The ``updated`` of a feed without entries (a fixed date keeps its bytes stable).
EMPTY_FEED_UPDATED = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class FeedInfo:
    """What describes a feed as a whole. ``self_url`` is the feed's own public address
    (also its Atom id); ``page_url`` is the web page showing the same papers."""

    title: str
    subtitle: str
    self_url: str
    page_url: str


def is_arxiv_id(paper_id: str) -> bool:
    """Papers from other sources carry a prefixed id (``doi:...``, ``listing:...``)."""
    return ":" not in paper_id


def page_url(base_url: str, paper: Paper) -> str:
    return f"{base_url.rstrip('/')}/papers/{quote(paper.id, safe='/:')}"


def abs_url(paper: Paper) -> str | None:
    if is_arxiv_id(paper.id):
        return f"https://arxiv.org/abs/{quote(paper.id, safe='/:')}"
    return safe_url(paper.abs_url)


def pdf_url(paper: Paper) -> str | None:
    if safe_url(paper.pdf_url):
        return paper.pdf_url
    if is_arxiv_id(paper.id):
        return f"https://arxiv.org/pdf/{quote(paper.id, safe='/:')}"
    return None


def entry_id(base_url: str, paper: Paper) -> str:
    """The entry's permanent id: the version-less arXiv abstract URL, else the page."""
    arxiv = abs_url(paper) if is_arxiv_id(paper.id) else None
    return arxiv or page_url(base_url, paper)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def paper_updated(paper: Paper) -> datetime:
    """When the paper last changed as far as a reader is concerned: its latest version,
    else its publication or submission, else the last day a daily feed announced it,
    else when this server first saw it."""
    for value in (paper.updated_at, paper.published_at, paper.submitted_at):
        if value is not None:
            return _aware(value)
    if paper.feed_dates:
        return datetime.combine(max(f.day for f in paper.feed_dates), time(), UTC)
    if paper.first_seen_at is not None:
        return _aware(paper.first_seen_at)
    return EMPTY_FEED_UPDATED


def feed_updated(papers: Sequence[Paper]) -> datetime:
    """The newest ``updated`` of the papers (also the HTTP ``Last-Modified``)."""
    return max((paper_updated(p) for p in papers), default=EMPTY_FEED_UPDATED)


# -- feedgen extension: entry links with their rel and type ------------------------------
#
# feedgen 1.0.0 writes an entry's <link> elements without their ``rel`` and ``type``
# attributes (the loop variable shadows the link data), so every link would read as
# "alternate". This entry extension, called by feedgen after it built the entry, writes
# the links again, whole. It is registered for Atom only; RSS has one <link>, which
# feedgen writes correctly.


class _LinksFeed:
    def extend_ns(self) -> dict[str, str]:
        return {}

    def extend_atom(self, feed: Any) -> Any:
        return feed

    def extend_rss(self, feed: Any) -> Any:
        return feed


class _LinksEntry(_LinksFeed):
    def __init__(self) -> None:
        self.links: list[dict[str, str]] = []

    def extend_atom(self, entry: Any) -> Any:
        for old in entry.findall("link"):
            entry.remove(old)
        summary = entry.find("summary")
        position = list(entry).index(summary) if summary is not None else len(entry)
        for offset, link in enumerate(self.links):
            entry.insert(position + offset, entry.makeelement("link", link))
        return entry


def _link(href: str, rel: str, type_: str, title: str | None = None) -> dict[str, str]:
    link = {"href": href, "rel": rel, "type": type_}
    if title:
        link["title"] = title
    return link


_SELF_TYPE: dict[Kind, str] = {"atom": "application/atom+xml", "rss": "application/rss+xml"}


def _generator(kind: Kind, info: FeedInfo, updated: datetime) -> FeedGenerator:
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    fg.register_extension("paperwire_links", _LinksFeed, _LinksEntry, atom=True, rss=False)
    fg.id(info.self_url)
    fg.title(strip_control(info.title))
    fg.subtitle(strip_control(info.subtitle))
    fg.link(href=info.self_url, rel="self", type=_SELF_TYPE[kind])
    fg.link(href=info.page_url, rel="alternate", type="text/html")  # last: the RSS <link>
    fg.language("en")
    fg.generator("paperwire", version=__version__)
    fg.updated(updated)
    fg.lastBuildDate(updated)
    return fg


def _add_entry(fg: FeedGenerator, paper: Paper, base_url: str) -> None:
    fe = fg.add_entry(order="append")
    updated = paper_updated(paper)
    ident = entry_id(base_url, paper)
    fe.id(ident)
    fe.guid(ident, permalink=ident.startswith(("http://", "https://")))
    fe.title(plain_text(paper.title))
    fe.updated(updated)
    if paper.published_at is not None:
        fe.published(_aware(paper.published_at))
    fe.dc.dc_date(updated.isoformat())
    names = [name for name in (plain_text(a.name) for a in paper.authors) if name]
    if names:
        fe.author([{"name": name} for name in names])
        fe.dc.dc_creator(names)
    terms = [term for term in (strip_control(c) for c in paper.categories) if term]
    if terms:
        fe.category(
            [
                {"term": c, "scheme": ARXIV_SCHEME} if is_arxiv_id(paper.id) else {"term": c}
                for c in terms
            ]
        )
    if paper.abstract:
        fe.summary(plain_text(paper.abstract), type="text")
    page = page_url(base_url, paper)
    fe.link(href=page, rel="alternate", type="text/html")
    links = [_link(page, "alternate", "text/html")]
    arxiv = abs_url(paper)
    if arxiv:
        links.append(_link(arxiv, "related", "text/html", "arXiv"))
    pdf = pdf_url(paper)
    if pdf:
        links.append(_link(pdf, "related", "application/pdf", "PDF"))
    fe.paperwire_links.links = links


def render_feed(kind: Kind, info: FeedInfo, papers: Sequence[Paper], *, base_url: str) -> bytes:
    """The feed document (UTF-8 XML) listing ``papers`` in the given order."""
    fg = _generator(kind, info, feed_updated(papers))
    for paper in papers:
        _add_entry(fg, paper, base_url)
    body: bytes = fg.atom_str(pretty=False) if kind == "atom" else fg.rss_str(pretty=False)
    return body
