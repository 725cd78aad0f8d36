"""The data model: plain dataclasses, no I/O.

A ``Paper`` is what every source produces and what the store keeps. Ids are arXiv
ids without version (``2401.01234``, ``hep-th/9901001``); papers that have no arXiv
id get a prefixed id (``doi:...``, ``listing:...``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any


@dataclass(slots=True)
class Author:
    name: str
    affiliation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "affiliation": self.affiliation}


@dataclass(frozen=True, slots=True, order=True)
class FeedDate:
    """The day a paper entered a daily feed (``arxiv`` listing, ``hf-daily``, ...)."""

    day: date
    feed: str

    def to_dict(self) -> dict[str, Any]:
        return {"feed": self.feed, "date": self.day.isoformat()}


@dataclass(slots=True)
class Paper:
    id: str
    title: str
    abstract: str = ""
    version: int | None = None
    authors: list[Author] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    updated_at: datetime | None = None
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    license: str | None = None
    abs_url: str | None = None
    pdf_url: str | None = None
    github_repo: str | None = None
    github_stars: int | None = None
    project_page: str | None = None
    upvotes: int | None = None  # as imported (Hugging Face daily papers)
    submitted_by: str | None = None
    submitted_at: datetime | None = None
    sources: list[str] = field(default_factory=list)
    feed_dates: list[FeedDate] = field(default_factory=list)
    first_seen_at: datetime | None = None
    local_upvotes: int = 0  # upvotes of this server's readers (kept by the store)

    @property
    def primary_category(self) -> str | None:
        return self.categories[0] if self.categories else None

    @property
    def first_day(self) -> date | None:
        """The day the paper was first announced, the one day listings put it on: its
        earliest feed day (a later repeat of a listing does not move it); never listed
        by a daily feed, the UTC day it was published, else first seen."""
        if self.feed_dates:
            return min(f.day for f in self.feed_dates)
        for when in (self.published_at, self.first_seen_at):
            if when is not None:
                return (when.astimezone(UTC) if when.tzinfo else when).date()
        return None

    @property
    def total_upvotes(self) -> int:
        """Imported and local upvotes together: what pages show and listings order by."""
        return (self.upvotes or 0) + self.local_upvotes

    def to_dict(self) -> dict[str, Any]:
        """Every field, JSON-ready (dates as ISO 8601 strings)."""

        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value is not None else None

        return {
            "id": self.id,
            "version": self.version,
            "title": self.title,
            "abstract": self.abstract,
            "authors": [a.to_dict() for a in self.authors],
            "categories": list(self.categories),
            "published_at": iso(self.published_at),
            "updated_at": iso(self.updated_at),
            "comment": self.comment,
            "journal_ref": self.journal_ref,
            "doi": self.doi,
            "license": self.license,
            "abs_url": self.abs_url,
            "pdf_url": self.pdf_url,
            "github_repo": self.github_repo,
            "github_stars": self.github_stars,
            "project_page": self.project_page,
            "upvotes": self.upvotes,
            "submitted_by": self.submitted_by,
            "submitted_at": iso(self.submitted_at),
            "sources": list(self.sources),
            "feed_dates": [f.to_dict() for f in self.feed_dates],
            "first_seen_at": iso(self.first_seen_at),
            "local_upvotes": self.local_upvotes,
        }


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record a parser could not turn into a paper; ``where`` is ``file:line`` or similar."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass(slots=True)
class UpsertCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: UpsertCounts) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged


@dataclass(slots=True)
class Stats:
    papers: int
    by_source: dict[str, int]
    by_category: dict[str, int]
    by_day: dict[str, int]
    checkpoints: dict[str, Any]
    vectors: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "papers": self.papers,
            "by_source": self.by_source,
            "by_category": self.by_category,
            "by_day": self.by_day,
            "checkpoints": self.checkpoints,
            "vectors": self.vectors,
        }


@dataclass(slots=True)
class IngestReport:
    """What an import or a fetch did; ``errors`` are whole files or pages that were dropped."""

    counts: UpsertCounts = field(default_factory=UpsertCounts)
    rejected: list[Rejected] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: int = 0

    @property
    def ok(self) -> bool:
        return not self.rejected and not self.errors

    def summary(self) -> str:
        c = self.counts
        line = (
            f"imported {c.new} new, {c.updated} updated, {c.unchanged} unchanged, "
            f"{len(self.rejected)} rejected"
        )
        if self.errors:
            line += f"; {len(self.errors)} file(s) or page(s) failed"
        return line

    def to_dict(self) -> dict[str, int]:
        """The counts ``summary`` gives (``--json``); what was rejected or failed is told
        on stderr, one line each."""
        c = self.counts
        return {
            "new": c.new,
            "updated": c.updated,
            "unchanged": c.unchanged,
            "rejected": len(self.rejected),
            "failed": len(self.errors),
            "requests": self.requests,
        }


@dataclass(frozen=True, slots=True)
class Scored:
    """What every ranker, search and recommender returns: a paper id, a score (higher is
    better, comparable only within one result list) and a short human reason."""

    paper_id: str
    score: float
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Filters:
    """Restrictions every search mode applies the same way.

    ``since``/``until`` bound the paper's date (published, else first feed day), both
    inclusive; ``author`` matches a name or part of one; ``has_code`` requires a
    ``github_repo``.
    """

    category: str | None = None
    since: date | None = None
    until: date | None = None
    has_code: bool | None = None
    author: str | None = None

    @property
    def is_empty(self) -> bool:
        return (
            self.category is None
            and self.since is None
            and self.until is None
            and self.has_code is None
            and self.author is None
        )
