"""``arxiv-jsonl``: the arXiv metadata snapshot, one JSON object a line.

Two flavours are read:
- the snapshot (``id, submitter, authors, title, comments, journal-ref, doi,
  categories`` (space separated), ``license, abstract, versions, update_date,
  authors_parsed``);
- the daily-crawl lines (``id, title, authors`` (list), ``categories`` (list),
  ``summary, comment, abs, pdf, feed_dates``): papers as they appeared on arXiv's
  daily new-submissions listing; each ``feed_dates`` day is kept as an ``arxiv`` feed date.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import IO, Any

from paperwire.models import Author, FeedDate, Paper, Rejected
from paperwire.normalize import (
    clean_optional,
    clean_text,
    find_github_repo,
    is_arxiv_id,
    parse_datetime,
    parse_day,
    split_arxiv_id,
)
from paperwire.sources.base import Record

SNAPSHOT = "arxiv-jsonl"
DAILY = "arxiv-daily"
# ACM/MSC classes that leak into category lists ("68T45", "I.2.6; I.4.2").
_CATEGORY = re.compile(r"^[a-z\-]+(\.[A-Za-z\-]+)?$")


def _categories(value: Any) -> list[str]:
    items = value.split() if isinstance(value, str) else list(value or [])
    seen: list[str] = []
    for item in items:
        if isinstance(item, str) and _CATEGORY.match(item) and item not in seen:
            seen.append(item)
    return seen


def _snapshot_authors(record: dict[str, Any]) -> list[Author]:
    parsed = record.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        authors = []
        for parts in parsed:
            last, first = (parts + ["", ""])[:2]
            suffix = parts[2] if len(parts) > 2 else ""
            name = " ".join(x for x in (first, last, suffix) if x)
            authors.append(Author(clean_text(name)))
        return authors
    raw = clean_text(record.get("authors"))
    return [Author(n.strip()) for n in re.split(r",\s*|\s+and\s+", raw) if n.strip()]


def _version_dates(record: dict[str, Any]) -> tuple[int | None, datetime | None, datetime | None]:
    versions = record.get("versions") or []
    if not versions:
        return None, None, None
    dates = [parsedate_to_datetime(v["created"]).astimezone(UTC) for v in versions]
    number = int(str(versions[-1].get("version", "v1")).lstrip("v"))
    return number, dates[0], dates[-1]


def parse_record(record: dict[str, Any], *, where: str) -> Paper:
    """One JSON object to a paper; raises ValueError/KeyError/TypeError when it is not one."""
    raw_id = str(record.get("id") or "").strip()
    split = split_arxiv_id(raw_id)
    if not raw_id or split is None or not is_arxiv_id(split[0]):
        raise ValueError(f"missing or invalid id {raw_id!r}")
    paper_id, version = split
    title = clean_text(record.get("title"))
    if not title:
        raise ValueError("missing title")
    abstract = clean_text(record.get("abstract") or record.get("summary"))
    comment = clean_optional(record.get("comments") or record.get("comment"))
    if "feed_dates" in record or "summary" in record:
        names = (" ".join(n.split()) for n in record.get("authors") or [] if isinstance(n, str))
        authors = [Author(name) for name in names if name]
        feed_dates = [FeedDate(parse_day(d), "arxiv") for d in record.get("feed_dates") or []]
        return Paper(
            id=paper_id,
            version=version,
            title=title,
            abstract=abstract,
            authors=authors,
            categories=_categories(record.get("categories")),
            comment=comment,
            abs_url=record.get("abs") or f"https://arxiv.org/abs/{paper_id}",
            pdf_url=record.get("pdf") or f"https://arxiv.org/pdf/{paper_id}",
            github_repo=find_github_repo(abstract, comment),
            sources=[DAILY],
            feed_dates=sorted(set(feed_dates)),
        )
    number, published, updated = _version_dates(record)
    if published is None and record.get("update_date"):
        updated = parse_datetime(record["update_date"])
    return Paper(
        id=paper_id,
        version=number or version,
        title=title,
        abstract=abstract,
        authors=_snapshot_authors(record),
        categories=_categories(record.get("categories")),
        published_at=published,
        updated_at=updated,
        comment=comment,
        journal_ref=clean_optional(record.get("journal-ref")),
        doi=clean_optional(record.get("doi")),
        license=clean_optional(record.get("license")),
        abs_url=f"https://arxiv.org/abs/{paper_id}",
        pdf_url=f"https://arxiv.org/pdf/{paper_id}",
        github_repo=find_github_repo(abstract, comment),
        submitted_by=clean_optional(record.get("submitter")),
        sources=[SNAPSHOT],
    )


def parse_arxiv_jsonl(stream: IO[bytes], *, origin: str) -> Iterator[Record]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        where = f"{origin}:{number}"
        try:
            record = json.loads(line)
        except ValueError as exc:
            yield Rejected(where, f"not valid JSON ({exc})")
            continue
        if not isinstance(record, dict):
            yield Rejected(where, "not a JSON object")
            continue
        try:
            yield parse_record(record, where=where)
        except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
            yield Rejected(where, str(exc) or type(exc).__name__)
