"""How two reports of the same paper become one (pure; the store calls it).

Rules:
- The report with the higher version owns the descriptive fields (title, abstract,
  authors, categories, comment, ...); the other only fills what is missing. Equal
  versions: the stored report owns them, the new one fills gaps.
- Nothing reported earlier is lost: ``sources`` and ``feed_dates`` are unions,
  ``first_seen_at`` and ``published_at`` keep the earliest value, ``updated_at`` the
  latest, ``upvotes`` the highest, links and stars are kept unless a report brings one.
- So the day a paper is listed on (``Paper.first_day``, its earliest feed day) is the same
  whatever order its reports arrive in, and a later repeat of a listing does not move it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from paperwire.models import Paper

_DESCRIPTIVE = (
    "title",
    "abstract",
    "authors",
    "categories",
    "comment",
    "journal_ref",
    "doi",
    "license",
    "abs_url",
    "pdf_url",
    "submitted_by",
)


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def _union(a: list[str], b: list[str]) -> list[str]:
    return a + [x for x in b if x not in a]


def merge_papers(old: Paper, new: Paper) -> Paper:
    """The stored paper ``old`` updated with the report ``new``; ``old.id`` is kept."""
    new_is_newer = (new.version or 0) > (old.version or 0)
    owner, other = (new, old) if new_is_newer else (old, new)
    merged = replace(old)
    for name in _DESCRIPTIVE:
        value = getattr(owner, name)
        setattr(merged, name, value if value else getattr(other, name))
    merged.version = max(old.version or 0, new.version or 0) or None
    merged.published_at = _earliest(old.published_at, new.published_at)
    merged.updated_at = _latest(old.updated_at, new.updated_at)
    merged.first_seen_at = _earliest(old.first_seen_at, new.first_seen_at)
    merged.submitted_at = _earliest(old.submitted_at, new.submitted_at)
    merged.github_repo = old.github_repo or new.github_repo
    merged.project_page = old.project_page or new.project_page
    merged.github_stars = new.github_stars if new.github_stars is not None else old.github_stars
    if old.upvotes is None or (new.upvotes is not None and new.upvotes > old.upvotes):
        merged.upvotes = new.upvotes
    merged.sources = _union(old.sources, new.sources)
    merged.feed_dates = sorted(set(old.feed_dates) | set(new.feed_dates))
    return merged
