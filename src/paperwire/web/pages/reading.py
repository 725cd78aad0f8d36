"""What pages share about the signed-in reader: their library entries (the save, "not
interested" and read buttons of every card), their lists, "more like this list" results
and the rules of the library forms' fields.

Entries are read once per request for the papers a handler shows
(``remember_entries``); a card whose paper was not read ahead asks for its own entry
(one indexed query). Templates call ``library_entry``, ``reader_lists`` and
``is_saved`` (registered as globals by ``web/app.py``).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from starlette.requests import Request

from paperwire.http.deps import get_user
from paperwire.http.params import BadParam, check_paper_id, latest_day, shown
from paperwire.store import Store
from paperwire.store.base_library import DEFAULT_LIST, LibraryEntry, ReaderList

_ENTRIES = "library_entries"
_LISTS = "reader_lists"
_LOCK = threading.Lock()


# -- the reader's library, read once per request ------------------------------------------


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _cache(request: Request) -> dict[str, LibraryEntry | None]:
    found: dict[str, LibraryEntry | None] | None = getattr(request.state, _ENTRIES, None)
    if found is None:
        found = {}
        setattr(request.state, _ENTRIES, found)
    return found


def remember_entries(request: Request, paper_ids: Sequence[str]) -> None:
    """Read the reader's entries of ``paper_ids`` in one query (nothing when signed out)."""
    user = get_user(request)
    if user is None:
        return
    cache = _cache(request)
    wanted = [pid for pid in dict.fromkeys(paper_ids) if pid not in cache]
    if not wanted:
        return
    found = _store(request).library_entries(user.id, wanted)
    for pid in wanted:
        cache[pid] = found.get(pid)


def keep_entries(request: Request, entries: Iterable[LibraryEntry]) -> None:
    """Entries a handler has read already (a list's papers come with theirs)."""
    cache = _cache(request)
    for entry in entries:
        cache[entry.paper_id] = entry


def forget_entry(request: Request, paper_id: str) -> None:
    _cache(request).pop(paper_id, None)


def library_entry(request: Request, paper_id: str) -> LibraryEntry | None:
    """The signed-in reader's entry of a paper (None: signed out, or nothing done with it)."""
    if get_user(request) is None:
        return None
    cache = _cache(request)
    if paper_id not in cache:
        remember_entries(request, [paper_id])
    return cache.get(paper_id)


def is_saved(entry: LibraryEntry | None) -> bool:
    """Whether the entry's paper is in the default list (what a card's "Save" toggles)."""
    return entry is not None and any(n.casefold() == DEFAULT_LIST.casefold() for n in entry.lists)


def reader_lists(request: Request) -> list[ReaderList]:
    """The signed-in reader's lists (the default first), read once per request."""
    user = get_user(request)
    if user is None:
        return []
    found: list[ReaderList] | None = getattr(request.state, _LISTS, None)
    if found is None:
        found = _store(request).reader_lists(user.id)
        setattr(request.state, _LISTS, found)
    return found


# -- more like a list ---------------------------------------------------------------


class LikeCache:
    """Results kept for ``seconds`` by key, at most ``size`` of them (the oldest go);
    safe across threads."""

    def __init__(self, *, seconds: float = 600.0, size: int = 256) -> None:
        self.seconds = seconds
        self.size = size
        self._kept: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            found = self._kept.get(key)
            if found is None or time.monotonic() - found[0] > self.seconds:
                return None
            return found[1]

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._kept[key] = (time.monotonic(), value)
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)


def like_cache(request: Request) -> LikeCache:
    """The process's "more like this list" results (``pages.library.more_like``)."""
    state = request.app.state
    found: LikeCache | None = getattr(state, "like_cache", None)
    if found is None:
        with _LOCK:
            found = getattr(state, "like_cache", None)
            if found is None:
                found = state.like_cache = LikeCache()
    return found


def data_day(store: Store, today: date) -> date:
    """The last day recommendations look at: the latest day with papers, else today."""
    latest = latest_day(store)
    return min(latest, today) if latest is not None else today


def days_before(day: date, days: int) -> date:
    return day - timedelta(days=days - 1)


# -- form fields --------------------------------------------------------------------------


def parse_paper_field(value: str, name: str = "paper") -> str:
    """A paper id sent by a form: present, short, no control characters."""
    if not value.strip():
        raise BadParam(name, "which paper? (the field is empty)")
    return check_paper_id(value.strip(), name)


def parse_action(value: str, name: str = "action") -> bool:
    """``add`` (default) is True, ``remove`` False."""
    if value in ("", "add"):
        return True
    if value == "remove":
        return False
    raise BadParam(name, f"expected add or remove, got {shown(value)}")


def entry_json(request: Request, paper_id: str) -> dict[str, Any]:
    """What the buttons' script shows after a change: the paper's state now."""
    forget_entry(request, paper_id)
    entry = library_entry(request, paper_id)
    return {
        "paper": paper_id,
        "saved": is_saved(entry),
        "lists": list(entry.lists) if entry else [],
        "hidden": bool(entry and entry.is_hidden),
        "read": bool(entry and entry.is_read),
        "note": bool(entry and entry.note),
    }
