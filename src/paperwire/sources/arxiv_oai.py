"""``arxiv-oai``: arXiv OAI-PMH responses in the ``arXiv`` metadata format, and the harvester.

A response (a *page*) is one ``OAI-PMH`` document. ``ListRecords`` and ``GetRecord`` pages
hold records; each record's ``<metadata><arXiv>`` element carries ``id, created, updated,
authors`` (``keyname, forenames, suffix, affiliation``), ``title, categories`` (space
separated, the primary first), ``comments, journal-ref, doi, license, abstract``. The
``arXiv`` format has no version number, so ``Paper.version`` stays None.

- Records whose header says ``status="deleted"`` are skipped, not rejected.
- A record without id or title is rejected as ``origin#recordN`` (N counts from 1).
- The OAI error ``noRecordsMatch`` is an empty page; any other error code
  (``badResumptionToken``, ``badArgument``, ...) fails the page.
- Broken or truncated XML raises ``ParseError``: nothing of the page is kept.

The harvester (``fetch_pages``) asks ``ListRecords`` per set (the archive of each configured
category), follows ``resumptionToken`` and yields each page with its checkpoint ``oai:{set}``
(``paperwire.ingest`` commits the two together), so an interrupted harvest resumes with the
stored token and the next run asks only for what changed since the day the last complete
harvest started.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import IO, Any
from urllib.parse import urlencode
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from paperwire.config import Settings
from paperwire.errors import PaperwireError, ParseError, SourceAnswerError, SourceError
from paperwire.gate import gate_record, shown
from paperwire.models import Author, Paper, Rejected
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

SOURCE = "arxiv-oai"
METADATA_PREFIX = "arXiv"
CHECKPOINT_PREFIX = "oai:"
NO_RECORDS = "noRecordsMatch"
BAD_TOKEN = "badResumptionToken"
_RECORD_VERBS = frozenset({"ListRecords", "GetRecord"})
# Archives that arXiv's OAI interface lists under the ``physics:`` set.
_PHYSICS_ARCHIVES = frozenset(
    {
        "astro-ph",
        "cond-mat",
        "gr-qc",
        "hep-ex",
        "hep-lat",
        "hep-ph",
        "hep-th",
        "math-ph",
        "nlin",
        "nucl-ex",
        "nucl-th",
        "physics",
        "quant-ph",
    }
)


@dataclass(slots=True)
class OaiPage:
    """One OAI-PMH response: its records and where the list goes on."""

    records: list[Record] = field(default_factory=list)
    resumption_token: str | None = None
    complete_list_size: int | None = None
    cursor: int | None = None
    response_date: datetime | None = None
    #: OAI ``error`` codes, in document order; ``messages`` holds their texts.
    errors: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    @property
    def failure(self) -> str | None:
        """``"code: message"`` of the first error that fails the request, if any."""
        for code, message in zip(self.errors, self.messages, strict=True):
            if code != NO_RECORDS:
                return f"{code}: {message}" if message else code
        return None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _children(parent: Element, name: str) -> Iterator[Element]:
    return (child for child in parent if _local(child.tag) == name)


def _child(parent: Element, name: str) -> Element | None:
    return next(_children(parent, name), None)


def _text(parent: Element, name: str) -> str | None:
    found = _child(parent, name)
    return "".join(found.itertext()) if found is not None else None


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.strip().isdigit() else None


def _date(meta: Element, name: str) -> datetime | None:
    value = _text(meta, name)
    try:
        return parse_datetime(value)
    except ValueError:
        raise ValueError(f"bad {name} date {shown(value or '')}") from None


def _authors(meta: Element) -> list[Author]:
    authors: list[Author] = []
    container = _child(meta, "authors")
    if container is None:
        return authors
    for author in _children(container, "author"):
        parts = (_text(author, "forenames"), _text(author, "keyname"), _text(author, "suffix"))
        name = clean_text(" ".join(p for p in parts if p))
        if not name:
            continue
        affiliations = [clean_text("".join(a.itertext())) for a in _children(author, "affiliation")]
        affiliation = "; ".join(a for a in affiliations if a) or None
        authors.append(Author(name, affiliation))
    return authors


def _categories(value: str | None) -> list[str]:
    seen: list[str] = []
    for item in (value or "").split():
        if item not in seen:
            seen.append(item)
    return seen


def parse_metadata(meta: Element) -> Paper:
    """One ``<arXiv>`` metadata element to a paper; raises ValueError when it is not one."""
    raw_id = clean_text(_text(meta, "id"))
    split = split_arxiv_id(raw_id) if raw_id else None
    if split is None:
        raise ValueError(f"missing or invalid id {shown(raw_id)}")
    paper_id = split[0]
    title = clean_text(_text(meta, "title"))
    if not title:
        raise ValueError("missing title")
    abstract = clean_text(_text(meta, "abstract"))
    comment = clean_optional(_text(meta, "comments"))
    return Paper(
        id=paper_id,
        title=title,
        abstract=abstract,
        authors=_authors(meta),
        categories=_categories(_text(meta, "categories")),
        published_at=_date(meta, "created"),
        updated_at=_date(meta, "updated"),
        comment=comment,
        journal_ref=clean_optional(_text(meta, "journal-ref")),
        doi=clean_optional(_text(meta, "doi")),
        license=clean_optional(_text(meta, "license")),
        abs_url=f"https://arxiv.org/abs/{paper_id}",
        pdf_url=f"https://arxiv.org/pdf/{paper_id}",
        github_repo=find_github_repo(abstract, comment),
        sources=[SOURCE],
    )


def _record(record: Element, where: str) -> Record | None:
    header = _child(record, "header")
    if header is not None and header.get("status") == "deleted":
        return None
    metadata = _child(record, "metadata")
    meta = _child(metadata, METADATA_PREFIX) if metadata is not None else None
    if meta is None:
        return Rejected(where, "no arXiv metadata (metadataPrefix must be arXiv)")
    return gate_record(partial(parse_metadata, meta), where)


def parse_oai_page(data: bytes, *, origin: str) -> OaiPage:
    """Parse one OAI-PMH response; raises ``ParseError`` when it is not one."""
    try:
        root = SafeET.fromstring(data)
    except SafeET.ParseError as exc:
        raise ParseError(origin, f"not well-formed XML ({exc})") from exc
    except DefusedXmlException as exc:
        raise ParseError(
            origin, "refused XML: entity declarations, DTDs and external references are not read"
        ) from exc
    if _local(root.tag) != "OAI-PMH":
        raise ParseError(origin, f"not an OAI-PMH response (root element <{_local(root.tag)}>)")
    page = OaiPage()
    try:
        page.response_date = parse_datetime(_text(root, "responseDate"))
    except ValueError as exc:
        raise ParseError(origin, f"bad responseDate ({exc})") from exc
    for error in _children(root, "error"):
        page.errors.append(error.get("code") or "unknown")
        page.messages.append(clean_text("".join(error.itertext())))
    for verb in root:
        name = _local(verb.tag)
        if name in _RECORD_VERBS:
            for number, record in enumerate(_children(verb, "record"), start=1):
                result = _record(record, f"{origin}#record{number}")
                if result is not None:
                    page.records.append(result)
        token = _child(verb, "resumptionToken")
        if token is not None:
            page.resumption_token = (token.text or "").strip() or None
            page.complete_list_size = _int(token.get("completeListSize"))
            page.cursor = _int(token.get("cursor"))
    return page


def parse_arxiv_oai(stream: IO[bytes], *, origin: str) -> Iterator[Record]:
    page = parse_oai_page(stream.read(), origin=origin)
    failure = page.failure
    if failure is not None:
        raise ParseError(origin, f"OAI error {failure}")
    yield from page.records


# -- harvesting --------------------------------------------------------------------------


def oai_sets(categories: Iterable[str]) -> list[str]:
    """The OAI sets that cover the categories, deduplicated, in the categories' order.

    ``cs.CV`` -> ``cs``; physics archives are subsets: ``hep-th`` -> ``physics:hep-th``.
    """
    sets: list[str] = []
    for category in categories:
        archive = category.strip().split(".", 1)[0]
        if not archive:
            continue
        spec = f"physics:{archive}" if archive in _PHYSICS_ARCHIVES else archive
        if spec not in sets:
            sets.append(spec)
    return sets


def _start_day(state: dict[str, Any], settings: Settings) -> str:
    """Where a new harvest starts: after a complete one, the day that one started."""
    start = state.get("next_from") if state.get("complete") else state.get("from")
    if isinstance(start, str) and start:
        return start
    return (utcnow() - timedelta(days=settings.fetch_days)).date().isoformat()


def _harvest(
    client: PoliteClient, settings: Settings, set_spec: str, checkpoint: Checkpoint | None
) -> Pages[Paper]:
    name = f"{CHECKPOINT_PREFIX}{set_spec}"
    url = settings.arxiv_oai_url
    state = checkpoint or {}
    token: str | None = state.get("resumption_token") or None
    from_day = _start_day(state, settings) if token is None else str(state.get("from") or "")
    started: str | None = state.get("started") if token else None
    while True:
        params: dict[str, str]
        if token is not None:
            params = {"verb": "ListRecords", "resumptionToken": token}
        else:
            params = {
                "verb": "ListRecords",
                "metadataPrefix": METADATA_PREFIX,
                "set": set_spec,
                "from": from_day,
            }
        origin = f"{url}?{urlencode(params)}"
        response = client.get(url, params)
        page = parse_oai_page(response.content, origin=origin)
        failure = page.failure
        if failure is not None:
            if token is not None and BAD_TOKEN in page.errors:
                # The token expired: forget it, so the next run starts this harvest again.
                yield Page(name, {**state, "from": from_day, "resumption_token": None})
            raise SourceAnswerError(f"{origin}: OAI error {failure}")
        if started is None:
            started = (page.response_date or utcnow()).date().isoformat()
        next_token = page.resumption_token
        if next_token is not None and next_token == token:
            raise SourceError(f"{origin}: the server answered with the same resumptionToken")
        complete = next_token is None
        state = {
            "from": from_day,
            "started": started,
            "resumption_token": next_token,
            "complete": complete,
            "next_from": started if complete else None,
            "complete_list_size": page.complete_list_size,
        }
        yield paper_page(name, state, page.records)
        if complete:
            return
        token = next_token


def checkpoint_names(settings: Settings) -> list[str]:
    return [f"{CHECKPOINT_PREFIX}{set_spec}" for set_spec in oai_sets(settings.categories)]


def fetch_pages(client: PoliteClient, settings: Settings, checkpoints: Checkpoints) -> Pages[Paper]:
    """Harvest every set of the configured categories, a response at a time, each page
    with its checkpoint ``oai:{set}``. A set that fails is reported in a page's
    ``errors`` and does not stop the others."""
    for set_spec in oai_sets(settings.categories):
        name = f"{CHECKPOINT_PREFIX}{set_spec}"
        try:
            yield from _harvest(client, settings, set_spec, checkpoints.get(name))
        except PaperwireError as exc:
            yield Page(name, errors=(str(exc),))
