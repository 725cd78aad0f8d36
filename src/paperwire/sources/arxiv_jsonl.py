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
from functools import partial
from typing import IO, Any

from paperwire.gate import gate_record, kind_of, shown
from paperwire.models import Author, FeedDate, Paper, Rejected
from paperwire.normalize import (
    VERSION_DIGITS,
    clean_optional,
    clean_text,
    find_github_repo,
    parse_datetime,
    parse_day,
    split_arxiv_id,
)
from paperwire.sources.base import Record

SNAPSHOT = "arxiv-jsonl"
DAILY = "arxiv-daily"
# ACM/MSC classes that leak into category lists ("68T45", "I.2.6; I.4.2").
_CATEGORY = re.compile(r"^[a-z\-]+(\.[A-Za-z\-]+)?$")
_VERSION = re.compile(rf"v?(\d{{1,{VERSION_DIGITS}}})")


def _str(record: dict[str, Any], key: str) -> str | None:
    """The text field ``key`` (None when absent or null); ValueError for anything else."""
    value = record.get(key)
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f"{key} must be text, not {kind_of(value)}")


def _list(record: dict[str, Any], key: str) -> list[Any]:
    value = record.get(key)
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise ValueError(f"{key} must be a list, not {kind_of(value)}")


def _strings(record: dict[str, Any], key: str) -> list[str]:
    items = _list(record, key)
    for item in items:
        if not isinstance(item, str):
            raise ValueError(f"{key} must be a list of text, not of {kind_of(item)}")
    return items


def _categories(record: dict[str, Any]) -> list[str]:
    value = record.get("categories")
    items = value.split() if isinstance(value, str) else _strings(record, "categories")
    seen: list[str] = []
    for item in items:
        if _CATEGORY.match(item) and item not in seen:
            seen.append(item)
    return seen


def _snapshot_authors(record: dict[str, Any]) -> list[Author]:
    parsed = _list(record, "authors_parsed")
    if parsed:
        authors = []
        for parts in parsed:
            if not isinstance(parts, list) or not all(isinstance(p, str) for p in parts):
                raise ValueError("authors_parsed must be lists of name parts (text)")
            last, first = (parts + ["", ""])[:2]
            suffix = parts[2] if len(parts) > 2 else ""
            name = " ".join(x for x in (first, last, suffix) if x)
            authors.append(Author(clean_text(name)))
        return authors
    raw = clean_text(_str(record, "authors"))
    return [Author(n.strip()) for n in re.split(r",\s*|\s+and\s+", raw) if n.strip()]


def _created(version: Any) -> datetime:
    created = version.get("created") if isinstance(version, dict) else None
    if not isinstance(created, str):
        raise ValueError("each of versions must have a created date (text)")
    try:
        return parsedate_to_datetime(created).astimezone(UTC)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"bad date {shown(created)} in versions") from None


def _version_dates(record: dict[str, Any]) -> tuple[int | None, datetime | None, datetime | None]:
    versions = _list(record, "versions")
    if not versions:
        return None, None, None
    dates = [_created(v) for v in versions]
    raw = versions[-1].get("version", "v1")
    number = _VERSION.fullmatch(raw) if isinstance(raw, str) else None
    if number is None:
        raise ValueError(f"bad version {shown(raw)} in versions")
    return int(number.group(1)), dates[0], dates[-1]


def _feed_day(raw: Any) -> FeedDate:
    if not isinstance(raw, str):
        raise ValueError(f"feed_dates must be a list of days (text), not of {kind_of(raw)}")
    try:
        return FeedDate(parse_day(raw), "arxiv")
    except ValueError:
        raise ValueError(f"bad feed date {shown(raw)} (expected YYYY-MM-DD)") from None


def parse_record(record: dict[str, Any], *, where: str) -> Paper:
    """One JSON object to a paper; raises ValueError (in plain words) when it is not one.

    Only the shape is read here; ``gate.check_paper`` judges the values."""
    raw_id = (_str(record, "id") or "").strip()
    split = split_arxiv_id(raw_id)
    if not raw_id or split is None:
        raise ValueError(f"missing or invalid id {shown(raw_id)}")
    paper_id, version = split
    title = clean_text(_str(record, "title"))
    if not title:
        raise ValueError("missing title")
    abstract = clean_text(_str(record, "abstract") or _str(record, "summary"))
    comment = clean_optional(_str(record, "comments") or _str(record, "comment"))
    if "feed_dates" in record or "summary" in record:
        names = (" ".join(n.split()) for n in _strings(record, "authors"))
        authors = [Author(name) for name in names if name]
        feed_dates = [_feed_day(d) for d in _list(record, "feed_dates")]
        return Paper(
            id=paper_id,
            version=version,
            title=title,
            abstract=abstract,
            authors=authors,
            categories=_categories(record),
            comment=comment,
            abs_url=_str(record, "abs") or f"https://arxiv.org/abs/{paper_id}",
            pdf_url=_str(record, "pdf") or f"https://arxiv.org/pdf/{paper_id}",
            github_repo=find_github_repo(abstract, comment),
            sources=[DAILY],
            feed_dates=sorted(set(feed_dates)),
        )
    number, published, updated = _version_dates(record)
    update_date = _str(record, "update_date")
    if published is None and update_date:
        try:
            updated = parse_datetime(update_date)
        except ValueError:
            raise ValueError(f"bad update_date {shown(update_date)}") from None
    return Paper(
        id=paper_id,
        version=number or version,
        title=title,
        abstract=abstract,
        authors=_snapshot_authors(record),
        categories=_categories(record),
        published_at=published,
        updated_at=updated,
        comment=comment,
        journal_ref=clean_optional(_str(record, "journal-ref")),
        doi=clean_optional(_str(record, "doi")),
        license=clean_optional(_str(record, "license")),
        abs_url=f"https://arxiv.org/abs/{paper_id}",
        pdf_url=f"https://arxiv.org/pdf/{paper_id}",
        github_repo=find_github_repo(abstract, comment),
        submitted_by=clean_optional(_str(record, "submitter")),
        sources=[SNAPSHOT],
    )


def _load(line: bytes) -> Any:
    """The JSON value of one line; ValueError in plain words when it is not one."""
    try:
        return json.loads(line)
    except UnicodeDecodeError:
        raise ValueError("not valid JSON: not UTF-8 text") from None
    except RecursionError:
        raise ValueError("not valid JSON: nested too deeply") from None
    except ValueError as exc:
        raise ValueError(f"not valid JSON ({exc})") from None


def parse_arxiv_jsonl(stream: IO[bytes], *, origin: str) -> Iterator[Record]:
    """One record a non-blank line; a bad line is ``Rejected`` as ``origin:line``."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        where = f"{origin}:{number}"
        try:
            record = _load(line)
        except ValueError as exc:
            yield Rejected(where, str(exc))
            continue
        if not isinstance(record, dict):
            yield Rejected(where, "not a JSON object")
            continue
        yield gate_record(partial(parse_record, record, where=where), where)
