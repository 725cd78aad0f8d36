"""How a ``Paper`` maps to a row of the SQLite ``papers`` table, and back."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from paperwire.models import Author, FeedDate, Paper
from paperwire.normalize import text_hash, title_key

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

_COLUMNS = (
    "id",
    "version",
    "title",
    "abstract",
    "authors",
    "categories",
    "primary_category",
    "published_at",
    "updated_at",
    "comment",
    "journal_ref",
    "doi",
    "license",
    "abs_url",
    "pdf_url",
    "github_repo",
    "github_stars",
    "project_page",
    "upvotes",
    "submitted_by",
    "submitted_at",
    "sources",
    "feed_dates",
    "first_seen_at",
    "title_key",
    "sort_at",
    "text_hash",
    "first_day",
)
WRITTEN = (*_COLUMNS, "revision")
INSERT_PAPER = (
    f"INSERT INTO papers ({', '.join(WRITTEN)}) VALUES ({', '.join('?' for _ in WRITTEN)}) "
    "ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in WRITTEN if c != "id")
)
#: What is read: the written columns and the count of local upvotes (kept by the
#: accounts area in the same transaction as the ``upvotes`` rows, never written here).
_READ = (*_COLUMNS, "local_upvotes")
SELECT_PAPERS = f"SELECT {', '.join(_READ)} FROM papers"
#: the same columns from ``papers AS p``, for joins
SELECT_PAPERS_P = f"SELECT {', '.join('p.' + c for c in _READ)} FROM papers AS p"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _sort_at(paper: Paper, now: datetime) -> str:
    if paper.published_at is not None:
        return paper.published_at.isoformat()
    if paper.feed_dates:
        return datetime.combine(min(paper.feed_dates).day, time(), UTC).isoformat()
    seen = paper.first_seen_at or now
    return seen.isoformat()


def first_day(paper: Paper, now: datetime) -> date:
    """The day listings put the paper on (``Paper.first_day``); ``now`` stands in for a
    missing ``first_seen_at``, as in the row."""
    return paper.first_day or now.astimezone(UTC).date()


def paper_row(paper: Paper, now: datetime) -> tuple[Any, ...]:
    """The row of ``papers``; ``now`` stands in for a missing ``first_seen_at``."""
    # An author is stored as "name", or ["name", "affiliation"] when one is known.
    authors = [[a.name, a.affiliation] if a.affiliation else a.name for a in paper.authors]
    return (
        paper.id,
        paper.version,
        paper.title,
        paper.abstract,
        _encode(authors),
        _encode(paper.categories),
        paper.primary_category,
        _iso(paper.published_at),
        _iso(paper.updated_at),
        paper.comment,
        paper.journal_ref,
        paper.doi,
        paper.license,
        paper.abs_url,
        paper.pdf_url,
        paper.github_repo,
        paper.github_stars,
        paper.project_page,
        paper.upvotes,
        paper.submitted_by,
        _iso(paper.submitted_at),
        _encode(paper.sources),
        _encode([[f.day.isoformat(), f.feed] for f in paper.feed_dates]),
        _iso(paper.first_seen_at or now),
        title_key(paper.title),
        _sort_at(paper, now),
        text_hash(paper.title, paper.abstract),
        first_day(paper, now).isoformat(),
    )


def paper_from_row(row: Sequence[Any]) -> Paper:
    return Paper(
        id=row[0],
        version=row[1],
        title=row[2],
        abstract=row[3],
        authors=[Author(a) if isinstance(a, str) else Author(*a) for a in json.loads(row[4])],
        categories=json.loads(row[5]),
        published_at=_dt(row[7]),
        updated_at=_dt(row[8]),
        comment=row[9],
        journal_ref=row[10],
        doi=row[11],
        license=row[12],
        abs_url=row[13],
        pdf_url=row[14],
        github_repo=row[15],
        github_stars=row[16],
        project_page=row[17],
        upvotes=row[18],
        submitted_by=row[19],
        submitted_at=_dt(row[20]),
        sources=json.loads(row[21]),
        feed_dates=[FeedDate(date.fromisoformat(d), f) for d, f in json.loads(row[22])],
        first_seen_at=_dt(row[23]),
        local_upvotes=row[len(_COLUMNS)] or 0,
    )
