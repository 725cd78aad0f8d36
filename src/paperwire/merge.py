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
- A listing entry (``listing:`` id: a copied arXiv listing carries no arXiv id) and an
  arXiv record with the same title (``title_key``) are one paper: the entry joins the
  record, whichever arrives first (``fold_batch``, ``pair_listings``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from paperwire.models import Paper
from paperwire.normalize import title_key

LISTING_PREFIX = "listing:"

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


def is_listing(paper_id: str) -> bool:
    return paper_id.startswith(LISTING_PREFIX)


def fold_batch(batch: Iterable[Paper]) -> dict[str, Paper]:
    """One report per paper of a batch, by id: reports of the same id merged, and a
    listing entry merged into the record of the same title in the batch."""
    incoming: dict[str, Paper] = {}
    for paper in batch:
        seen = incoming.get(paper.id)
        incoming[paper.id] = merge_papers(seen, paper) if seen else paper
    by_title = {title_key(p.title): p.id for p in incoming.values() if not is_listing(p.id)}
    for listing_id in [i for i in incoming if is_listing(i)]:
        target = by_title.get(title_key(incoming[listing_id].title))
        if target is not None:
            incoming[target] = merge_papers(incoming[target], incoming.pop(listing_id))
    return incoming


@dataclass
class Pairing:
    """What joining listing entries with stored papers of the same title decided."""

    #: (stored listing id, the record it joins): the listing row goes, its data moves
    retired: list[tuple[str, str]] = field(default_factory=list)
    #: stored records that incoming listing entries now report
    targets: set[str] = field(default_factory=set)


def pair_listings(
    incoming: dict[str, Paper],
    new: Sequence[Paper],
    stored_ids_by_title: Mapping[str, Sequence[str]],
) -> Pairing:
    """Join the ``new`` papers of ``incoming`` (not stored yet; ``incoming`` is changed in
    place) with the stored papers of the same title (``stored_ids_by_title``: stored ids
    by ``title_key``): a new listing entry becomes a report of the stored record; a new
    record retires the stored listing entries of its title."""
    pairing = Pairing()
    by_key = {title_key(p.title): p for p in new}
    for key, ids in stored_ids_by_title.items():
        paper = by_key.get(key)
        if paper is None:
            continue
        others = [i for i in ids if i != paper.id]
        if not others:
            continue
        if is_listing(paper.id):
            target = next((i for i in others if not is_listing(i)), None)
            if target is None:
                continue
            del incoming[paper.id]
            paper = replace(paper, id=target)
            pairing.targets.add(target)
            seen = incoming.get(target)
            incoming[target] = merge_papers(seen, paper) if seen else paper
        else:
            pairing.retired.extend((i, paper.id) for i in others if is_listing(i))
    return pairing


def absorb_retired(
    incoming: dict[str, Paper], retired: Sequence[tuple[str, str]], old: Mapping[str, Paper]
) -> None:
    """Merge the stored data of retired listing entries (``old``, by id) into the records
    they join (in ``incoming``, changed in place)."""
    for listing_id, target in retired:
        if listing_id in old:
            merged = merge_papers(incoming[target], old[listing_id])
            merged.id = target
            incoming[target] = merged
