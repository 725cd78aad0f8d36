"""A reader's library: saving papers into lists, marks, notes, lists, import and export.

The one place the rules of a library live; the pages, the API and the command line call
these functions, and the store (``store/base_library.py``) only keeps what they decide.

- Papers are named by arXiv id (with or without version), arXiv or Hugging Face address,
  DOI, or an id as paperwire stores it (``doi:10.1145/...``, ``listing:3f2a...``), read
  by ``lookup.reference_in``, the rules search uses. A reference naming no stored paper
  is reported in ``unknown`` and never invented.
- "Not interested" (``hide``) leaves the paper's lists alone: a reader may keep a paper
  they do not want more of. The store counts a hidden paper as a negative signal only,
  whatever list holds it, and recommendations never show it.
- Several papers added at once are stamped a microsecond apart in the order given, so a
  list (newest first) shows the last of them on top and an export written oldest first
  and imported again keeps each list's order.
- ``import_library`` writes everything in one transaction: a file that cannot be read,
  or a write that fails, leaves the library as it was.

Errors::

    PaperwireError
     └── LibraryError        a request the library refuses (the message says why)
          ├── BadListName    empty, too long, or the default list renamed
          ├── NoSuchList     the reader has no list of that name or id
          └── NoteTooLong    over MAX_NOTE characters
    ListNameTaken            (store.base_library) the reader has a list of that name
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from paperwire.errors import PaperwireError
from paperwire.gate import check_id, shown
from paperwire.library_formats import (
    MAX_ENTRIES,
    MAX_INTEREST,
    MAX_INTERESTS,
    MAX_NOTE,
    export_bibtex,
    export_json,
    parse_library,
)
from paperwire.lookup import reference_in
from paperwire.models import Paper
from paperwire.normalize import strip_control, utcnow
from paperwire.store.base import Store
from paperwire.store.base_library import (
    DEFAULT_LIST,
    INTEREST_KINDS,
    MAX_LIST_NAME,
    InterestKind,
    LibraryEntry,
    ListNameTaken,
    ReaderList,
)

__all__ = [
    "DEFAULT_LIST",
    "MAX_LIST_NAME",
    "MAX_NOTE",
    "MAX_REFS",
    "BadListName",
    "Change",
    "ImportReport",
    "LibraryError",
    "ListNameTaken",
    "NoSuchList",
    "NoteTooLong",
    "Resolved",
    "create_list",
    "delete_list",
    "export_library",
    "find_reader_list",
    "follow",
    "hide",
    "import_library",
    "library_view",
    "mark_read",
    "remove",
    "rename_list",
    "resolve",
    "save",
    "set_note",
    "set_public",
]

#: The most references one call may name (as many as an import may hold).
MAX_REFS = MAX_ENTRIES

View = Literal["saved", "hidden", "read", "notes"]
ExportFormat = Literal["json", "bibtex"]


class LibraryError(PaperwireError):
    """A library request refused; the message says what and why."""


class BadListName(LibraryError):
    pass


class NoSuchList(LibraryError):
    pass


class NoteTooLong(LibraryError):
    pass


@dataclass(frozen=True)
class Resolved:
    """``ids``: the stored papers the references name, in order, each once;
    ``unknown``: the references naming no stored paper, as written."""

    ids: list[str]
    unknown: list[str]


@dataclass(frozen=True)
class Change:
    """What a save, removal or mark did: the list it was about (``None``: every list, or
    none), the ids actually changed, and the references naming no stored paper."""

    list_name: str | None
    changed: list[str]
    unknown: list[str]


@dataclass
class ImportReport:
    """What an import did. ``lists``: papers added to each list (0 when all were there
    already); ``read``, ``hidden``: papers whose mark changed; ``notes``: notes written;
    ``interests``: followed authors and topics added; ``public``: lists made public;
    ``unknown``: ids of the file naming no stored paper; ``problems``: the parser's lines
    ("name:line: what") about entries it skipped."""

    format: str
    lists: dict[str, int] = field(default_factory=dict)
    read: int = 0
    hidden: int = 0
    notes: int = 0
    interests: int = 0
    public: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def added(self) -> int:
        return sum(self.lists.values())

    @property
    def ok(self) -> bool:
        """Whether everything the file named was taken."""
        return not self.unknown and not self.problems

    def summary(self) -> str:
        lists = ", ".join(f"{name}: {n}" for name, n in self.lists.items()) or "none"
        return (
            f"imported {self.added} paper(s) into lists ({lists}); "
            f"{self.read} marked read, {self.hidden} not interested, {self.notes} note(s), "
            f"{self.interests} interest(s); {len(self.unknown)} unknown, "
            f"{len(self.problems)} problem(s)"
        )


# -- references ------------------------------------------------------------------------


def _candidates(ref: str) -> tuple[str | None, str | None]:
    """(the stored id a reference would have, the DOI it names) for one reference."""
    text = ref.strip()
    reference = reference_in(text)
    if reference is not None:
        if reference.kind == "arxiv":
            return reference.value, None
        return f"doi:{reference.value}", reference.value
    try:
        return check_id(text), None  # another source's id: listing:3f2a...
    except ValueError:
        return None, None


def _lookup(store: Store, refs: Sequence[str]) -> dict[str, list[str]]:
    """Each reference that names stored papers -> their ids."""
    wanted = {ref: _candidates(ref) for ref in dict.fromkeys(refs)}
    held = store.known_ids([pid for pid, _ in wanted.values() if pid])
    by_doi: dict[str, list[str]] = {}
    found: dict[str, list[str]] = {}
    for ref, (paper_id, doi) in wanted.items():
        ids = [paper_id] if paper_id is not None and paper_id in held else []
        if doi is not None:
            key = doi.casefold()
            if key not in by_doi:
                by_doi[key] = store.ids_with_doi(doi)
            ids += [pid for pid in by_doi[key] if pid not in ids]
        if ids:
            found[ref] = ids
    return found


def resolve(store: Store, refs: Sequence[str]) -> Resolved:
    """The stored papers ``refs`` name (a DOI names the paper stored under it and every
    paper whose ``doi`` it is)."""
    if len(refs) > MAX_REFS:
        raise LibraryError(f"{len(refs):,} papers named, more than one request may ({MAX_REFS:,})")
    found = _lookup(store, refs)
    ids = [pid for ref in refs for pid in found.get(ref, ())]
    unknown = [ref.strip() for ref in refs if ref not in found and ref.strip()]
    return Resolved(ids=list(dict.fromkeys(ids)), unknown=list(dict.fromkeys(unknown)))


# -- lists -----------------------------------------------------------------------------


def _list_name(name: str) -> str:
    cleaned = " ".join(strip_control(name).split())
    if not cleaned:
        raise BadListName("a list needs a name")
    if len(cleaned) > MAX_LIST_NAME:
        raise BadListName(
            f"list name {shown(cleaned)} is {len(cleaned)} characters, longer than {MAX_LIST_NAME}"
        )
    return cleaned


def _is_default(name: str) -> bool:
    return name.strip().casefold() == DEFAULT_LIST.casefold()


def find_reader_list(store: Store, user_id: int, which: int | str) -> ReaderList:
    """The reader's list by id (an ``int``) or name; ``NoSuchList`` when they have none
    (a list of another reader is no list of theirs)."""
    if isinstance(which, int):
        found = store.get_list(which)
        if found is None or found.user_id != user_id:
            raise NoSuchList(f"no list {which} of yours")
        return found
    found = store.find_list(user_id, " ".join(which.split()))
    if found is None:
        raise NoSuchList(f"no list called {shown(which)}")
    return found


def create_list(
    store: Store,
    user_id: int,
    name: str,
    *,
    is_public: bool = False,
    now: datetime | None = None,
) -> ReaderList:
    """A new list; ``ListNameTaken`` when the reader has one of that name."""
    clean = _list_name(name)
    with store.atomic():
        if store.find_list(user_id, clean) is not None:
            raise ListNameTaken(f"there is a list called {clean!r} already")
        made = store.ensure_list(user_id, clean, now=now or utcnow())
        if is_public:
            updated = store.update_list(made.id, is_public=True)
            made = updated or made
    return made


def rename_list(store: Store, user_id: int, which: int | str, new_name: str) -> ReaderList:
    """Rename a list (not the default one, which every reader has)."""
    found = find_reader_list(store, user_id, which)
    clean = _list_name(new_name)
    if _is_default(found.name) and not _is_default(clean):
        raise BadListName(f"the list {DEFAULT_LIST!r} keeps its name")
    updated = store.update_list(found.id, name=clean)
    if updated is None:
        raise NoSuchList(f"no list called {shown(found.name)}")
    return updated


def set_public(store: Store, user_id: int, which: int | str, is_public: bool) -> ReaderList:
    """Share a list (a public page and feed) or make it private again."""
    found = find_reader_list(store, user_id, which)
    updated = store.update_list(found.id, is_public=is_public)
    if updated is None:
        raise NoSuchList(f"no list called {shown(found.name)}")
    return updated


def delete_list(store: Store, user_id: int, which: int | str) -> bool:
    """Delete a list and its papers' places in it (marks and notes stay). Deleting the
    default list empties it: it is made again on the next save."""
    return store.delete_list(find_reader_list(store, user_id, which).id)


def _add_in_order(store: Store, list_id: int, ids: Sequence[str], now: datetime) -> list[str]:
    """Add ``ids`` to a list stamped a microsecond apart, the last at ``now``, so the
    list (newest first) shows them in reverse of the order given; one write."""
    last = len(ids) - 1
    return store.add_entries(
        list_id, [(pid, now - timedelta(microseconds=last - i)) for i, pid in enumerate(ids)]
    )


# -- saving and marking ----------------------------------------------------------------


def save(
    store: Store,
    user_id: int,
    refs: Sequence[str],
    *,
    list_name: str = DEFAULT_LIST,
    now: datetime | None = None,
) -> Change:
    """Save papers into a list (made when the reader has none of that name)."""
    name = _list_name(list_name)
    found = resolve(store, refs)
    if not found.ids:
        existing = store.find_list(user_id, name)
        return Change(existing.name if existing else name, [], found.unknown)
    when = now or utcnow()
    with store.atomic():
        target = store.ensure_list(user_id, name, now=when)
        added = _add_in_order(store, target.id, found.ids, when)
    return Change(target.name, added, found.unknown)


def remove(
    store: Store,
    user_id: int,
    refs: Sequence[str],
    *,
    list_name: str | None = None,
    now: datetime | None = None,
) -> Change:
    """Take papers out of one list, or (``list_name`` None) out of every list."""
    found = resolve(store, refs)
    if list_name is not None:
        target = find_reader_list(store, user_id, list_name)
        removed = store.remove_from_list(target.id, found.ids) if found.ids else []
        return Change(target.name, removed, found.unknown)
    changed: dict[str, None] = {}
    if found.ids:
        with store.atomic():
            for reader_list in store.reader_lists(user_id):
                changed.update(dict.fromkeys(store.remove_from_list(reader_list.id, found.ids)))
    ordered = [pid for pid in found.ids if pid in changed]
    return Change(None, ordered, found.unknown)


def hide(
    store: Store,
    user_id: int,
    refs: Sequence[str],
    *,
    hidden: bool = True,
    now: datetime | None = None,
) -> Change:
    """Mark papers "not interested" (or, ``hidden=False``, take the mark back). Their
    lists are left alone."""
    found = resolve(store, refs)
    changed = (
        store.set_marks(user_id, found.ids, hidden=hidden, now=now or utcnow()) if found.ids else []
    )
    return Change(None, changed, found.unknown)


def mark_read(
    store: Store,
    user_id: int,
    refs: Sequence[str],
    *,
    read: bool = True,
    now: datetime | None = None,
) -> Change:
    """Mark papers read (or unread)."""
    found = resolve(store, refs)
    changed = (
        store.set_marks(user_id, found.ids, read=read, now=now or utcnow()) if found.ids else []
    )
    return Change(None, changed, found.unknown)


def clean_note(note: str | None) -> str | None:
    """A note as kept: control characters gone, trimmed; ``None`` when empty;
    ``NoteTooLong`` past ``MAX_NOTE`` characters."""
    if note is None:
        return None
    text = strip_control(note).strip()
    if len(text) > MAX_NOTE:
        raise NoteTooLong(f"a note may have {MAX_NOTE:,} characters, this one has {len(text):,}")
    return text or None


def set_note(
    store: Store,
    user_id: int,
    paper_id: str,
    note: str | None,
    *,
    now: datetime | None = None,
) -> bool:
    """Write the reader's private note on a paper (``None`` or blank removes it); False
    when ``paper_id`` names no stored paper."""
    text = clean_note(note)
    found = resolve(store, [paper_id])
    if not found.ids:
        return False
    return store.set_note(user_id, found.ids[0], text, now=now or utcnow())


def follow(
    store: Store,
    user_id: int,
    kind: InterestKind,
    value: str,
    *,
    following: bool = True,
    now: datetime | None = None,
) -> bool:
    """Follow an author or a free-text topic (or, ``following=False``, stop); False
    when nothing changed. ``LibraryError`` for an empty or too long value."""
    if kind not in INTEREST_KINDS:
        raise LibraryError(f"one follows an author or a topic, not {kind!r}")
    text = " ".join(strip_control(value).split())
    if not text or len(text) > MAX_INTEREST:
        raise LibraryError(f"an {kind} to follow is 1 to {MAX_INTEREST} characters")
    if not following:
        return store.remove_interest(user_id, kind, text)
    if sum(i.kind == kind for i in store.interests(user_id)) >= MAX_INTERESTS:
        raise LibraryError(f"a reader follows at most {MAX_INTERESTS:,} {kind}s")
    return store.add_interest(user_id, kind, text, now=now or utcnow())


# -- reading ---------------------------------------------------------------------------


def library_view(
    store: Store,
    user_id: int,
    *,
    list_name: str | int | None = None,
    only: View | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[tuple[Paper, LibraryEntry]]:
    """Papers of one list (the last added first), or of the whole library (every paper
    the reader saved, marked or annotated, the latest first), with their entries.
    ``only``: papers in some list (``saved``), hidden, read or with a note."""
    limit, offset = max(limit, 0), max(offset, 0)
    if list_name is not None:
        target = find_reader_list(store, user_id, list_name)
        paged = only is None  # the store pages a list; a filtered one is paged here
        wanted = store.list_paper_ids(
            target.id, limit=limit if paged else None, offset=offset if paged else 0
        )
        entries = store.library_entries(user_id, wanted)
        ordered = [entries[pid] for pid in wanted if pid in entries]
    else:
        paged = False
        ordered = list(store.library_entries(user_id).values())
    if not paged:
        ordered = [e for e in ordered if only is None or _shows(e, only)]
        ordered = ordered[offset : offset + limit]
    papers = store.get_papers([e.paper_id for e in ordered])
    return [(papers[e.paper_id], e) for e in ordered if e.paper_id in papers]


def _shows(entry: LibraryEntry, only: View) -> bool:
    if only == "saved":
        return bool(entry.lists)
    if only == "hidden":
        return entry.is_hidden
    if only == "read":
        return entry.is_read
    return entry.note is not None


def export_library(
    store: Store,
    user_id: int,
    *,
    fmt: ExportFormat,
    list_name: str | None = None,
    now: datetime | None = None,
) -> str:
    """The reader's library as paperwire's JSON export (everything: lists oldest paper
    first, marks, notes, interests) or BibTeX (the papers of their lists, or of one list,
    each once, the latest saved first)."""
    if fmt == "bibtex":
        if list_name is not None:
            ids = store.list_paper_ids(find_reader_list(store, user_id, list_name).id)
        else:
            ids = [e.paper_id for e in store.library_entries(user_id).values() if e.lists]
        papers = store.get_papers(ids)
        return export_bibtex(papers[pid] for pid in ids if pid in papers)
    if fmt != "json":
        raise LibraryError(f"no export format {fmt!r}: json or bibtex")
    user = store.get_user(user_id)
    lists = store.reader_lists(user_id)
    if list_name is not None:
        lists = [find_reader_list(store, user_id, list_name)]
    list_papers = {lst.id: store.list_paper_ids(lst.id)[::-1] for lst in lists}
    entries = store.library_entries(user_id)
    if list_name is not None:
        in_list = {pid for ids in list_papers.values() for pid in ids}
        entries = {pid: e for pid, e in entries.items() if pid in in_list}
    wanted = list(dict.fromkeys([*entries, *(p for ids in list_papers.values() for p in ids)]))
    return export_json(
        email=user.email if user else "",
        lists=lists,
        list_papers=list_papers,
        entries=entries.values(),
        interests=store.interests(user_id) if list_name is None else [],
        papers=store.get_papers(wanted),
        exported_at=now or utcnow(),
    )


# -- import ----------------------------------------------------------------------------


def import_library(
    store: Store,
    user_id: int,
    data: bytes,
    *,
    name: str,
    list_name: str = DEFAULT_LIST,
    now: datetime | None = None,
) -> ImportReport:
    """Read a library file (``library_formats.parse_library``: JSON export, BibTeX, or
    ids a line; ``name`` names it in messages; a BibTeX or text file fills ``list_name``)
    and write it in one transaction. ``LibraryFormatError`` when the file cannot be read
    at all (nothing written). Papers are added in the file's order; ids naming no stored
    paper are reported in ``unknown``."""
    target = _list_name(list_name)
    parsed = parse_library(data, name=name, list_name=target)
    when = now or utcnow()
    named = parsed.paper_ids
    stored = _lookup(store, named)

    def ids_of(refs: Sequence[str] | set[str]) -> list[str]:
        ordered = [r for r in named if r in refs] if isinstance(refs, set) else list(refs)
        return list(dict.fromkeys(pid for ref in ordered for pid in stored.get(ref, ())))

    report = ImportReport(
        format=parsed.format,
        unknown=[pid for pid in named if pid not in stored],
        problems=list(parsed.problems),
    )
    with store.atomic():
        for list_title, refs in parsed.lists.items():
            ids = ids_of(refs)
            if not ids and parsed.format != "json":
                continue
            reader_list = store.ensure_list(user_id, list_title, now=when)
            report.lists[reader_list.name] = len(_add_in_order(store, reader_list.id, ids, when))
            if list_title in parsed.public_lists and not reader_list.is_public:
                store.update_list(reader_list.id, is_public=True)
                report.public.append(reader_list.name)
        if parsed.read:
            report.read = len(store.set_marks(user_id, ids_of(parsed.read), read=True, now=when))
        if parsed.hidden:
            report.hidden = len(
                store.set_marks(user_id, ids_of(parsed.hidden), hidden=True, now=when)
            )
        for ref, note in parsed.notes.items():
            for paper_id in stored.get(ref, ()):
                report.notes += store.set_note(user_id, paper_id, note, now=when)
        for author in parsed.authors:
            report.interests += store.add_interest(user_id, "author", author, now=when)
        for topic in parsed.topics:
            report.interests += store.add_interest(user_id, "topic", topic, now=when)
    return report
