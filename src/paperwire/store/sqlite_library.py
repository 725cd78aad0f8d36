"""What the SQLite store keeps of readers' libraries: lists, marks, notes, interests,
the signal revision of each reader and their trained recommendation models.

Every write that changes what a model learns from (a paper into or out of a list, a
"not interested" mark, an interest) bumps the reader's signal revision in the same
transaction (``_bump_signals``); read marks and notes do not.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from paperwire.normalize import utcnow
from paperwire.store.base_library import (
    DEFAULT_LIST,
    Interest,
    InterestKind,
    LibraryEntry,
    ListNameTaken,
    ReaderList,
    Signals,
    StoredModel,
)
from paperwire.store.sqlite_base import NO_LIMIT, SQLiteParts

_CHUNK = 500
_LIST = (
    "SELECT l.id, l.user_id, l.name, l.is_public, l.created_at, "
    "(SELECT count(*) FROM list_papers p WHERE p.list_id = l.id), "
    "(SELECT max(added_at) FROM list_papers p WHERE p.list_id = l.id) "
    "FROM reader_lists l"
)


def _when(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _list(row: Sequence[object]) -> ReaderList:
    created = _when(row[4])
    assert created is not None
    return ReaderList(
        id=int(str(row[0])),
        user_id=int(str(row[1])),
        name=str(row[2]),
        is_public=bool(row[3]),
        created_at=created,
        count=int(str(row[5] or 0)),
        updated_at=_when(row[6]),
    )


def _key(name: str) -> str:
    return name.strip().casefold()


def _chunks(ids: Sequence[str]) -> Iterable[list[str]]:
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), _CHUNK):
        yield unique[start : start + _CHUNK]


def _placeholders(count: int) -> str:
    return ",".join("?" * count)


class LibrarySupport(SQLiteParts):
    # -- lists -------------------------------------------------------------------------

    def reader_lists(self, user_id: int) -> list[ReaderList]:
        self._require_schema()
        rows = self._db().execute(f"{_LIST} WHERE l.user_id = ?", (user_id,)).fetchall()
        lists = [_list(r) for r in rows]
        default = _key(DEFAULT_LIST)
        lists.sort(key=lambda lst: (_key(lst.name) != default, _key(lst.name), lst.id))
        return lists

    def get_list(self, list_id: int) -> ReaderList | None:
        self._require_schema()
        row = self._db().execute(f"{_LIST} WHERE l.id = ?", (list_id,)).fetchone()
        return None if row is None else _list(row)

    def find_list(self, user_id: int, name: str) -> ReaderList | None:
        self._require_schema()
        row = (
            self._db()
            .execute(f"{_LIST} WHERE l.user_id = ? AND l.name_key = ?", (user_id, _key(name)))
            .fetchone()
        )
        return None if row is None else _list(row)

    def ensure_list(self, user_id: int, name: str, *, now: datetime) -> ReaderList:
        self._require_schema()
        name = " ".join(name.split())
        with self.atomic():
            self._conn.execute(
                "INSERT OR IGNORE INTO reader_lists (user_id, name, name_key, created_at) "
                "VALUES (?, ?, ?, ?)",
                (user_id, name, _key(name), now.isoformat()),
            )
            row = self._conn.execute(
                f"{_LIST} WHERE l.user_id = ? AND l.name_key = ?", (user_id, _key(name))
            ).fetchone()
        return _list(row)

    def update_list(
        self, list_id: int, *, name: str | None = None, is_public: bool | None = None
    ) -> ReaderList | None:
        self._require_schema()
        with self.atomic():
            found = self._conn.execute(
                "SELECT user_id FROM reader_lists WHERE id = ?", (list_id,)
            ).fetchone()
            if found is None:
                return None
            if name is not None:
                name = " ".join(name.split())
                clash = self._conn.execute(
                    "SELECT 1 FROM reader_lists WHERE user_id = ? AND name_key = ? AND id != ?",
                    (found[0], _key(name), list_id),
                ).fetchone()
                if clash:
                    raise ListNameTaken(f"there is a list called {name!r} already")
                self._conn.execute(
                    "UPDATE reader_lists SET name = ?, name_key = ? WHERE id = ?",
                    (name, _key(name), list_id),
                )
            if is_public is not None:
                self._conn.execute(
                    "UPDATE reader_lists SET is_public = ? WHERE id = ?", (int(is_public), list_id)
                )
            self._bump_results()
            row = self._conn.execute(f"{_LIST} WHERE l.id = ?", (list_id,)).fetchone()
        return _list(row)

    def delete_list(self, list_id: int) -> bool:
        self._require_schema()
        with self.atomic():
            found = self._conn.execute(
                "SELECT user_id FROM reader_lists WHERE id = ?", (list_id,)
            ).fetchone()
            if found is None:
                return False
            self._conn.execute("DELETE FROM list_papers WHERE list_id = ?", (list_id,))
            self._conn.execute("DELETE FROM reader_lists WHERE id = ?", (list_id,))
            self._bump_signals(int(found[0]), _now_text())
            self._bump_results()
        return True

    def add_to_list(self, list_id: int, paper_ids: Sequence[str], *, now: datetime) -> list[str]:
        return self.add_entries(list_id, [(pid, now) for pid in paper_ids])

    def add_entries(self, list_id: int, entries: Sequence[tuple[str, datetime]]) -> list[str]:
        self._require_schema()
        wanted: dict[str, datetime] = {}
        for paper_id, added_at in entries:
            wanted.setdefault(paper_id, added_at)
        with self.atomic():
            owner = self._conn.execute(
                "SELECT user_id FROM reader_lists WHERE id = ?", (list_id,)
            ).fetchone()
            if owner is None or not wanted:
                return []
            new: set[str] = set()  # stored papers not in the list yet
            for chunk in _chunks(list(wanted)):
                new.update(
                    str(r[0])
                    for r in self._conn.execute(
                        f"SELECT id FROM papers WHERE id IN ({_placeholders(len(chunk))}) "
                        "AND NOT EXISTS (SELECT 1 FROM list_papers "
                        "WHERE list_id = ? AND paper_id = papers.id)",
                        [*chunk, list_id],
                    )
                )
            added = [pid for pid in wanted if pid in new]
            if added:
                self._conn.executemany(
                    "INSERT INTO list_papers (list_id, paper_id, added_at) VALUES (?, ?, ?)",
                    [(list_id, pid, wanted[pid].isoformat()) for pid in added],
                )
                self._bump_signals(int(owner[0]), max(wanted[pid] for pid in added).isoformat())
                self._bump_results()
        return added

    def remove_from_list(self, list_id: int, paper_ids: Sequence[str]) -> list[str]:
        self._require_schema()
        removed: list[str] = []
        with self.atomic():
            owner = self._conn.execute(
                "SELECT user_id FROM reader_lists WHERE id = ?", (list_id,)
            ).fetchone()
            if owner is None:
                return []
            for pid in dict.fromkeys(paper_ids):
                if self._conn.execute(
                    "DELETE FROM list_papers WHERE list_id = ? AND paper_id = ?", (list_id, pid)
                ).rowcount:
                    removed.append(pid)
            if removed:
                self._bump_signals(int(owner[0]), _now_text())
                self._bump_results()
        return removed

    def list_paper_ids(
        self, list_id: int, *, limit: int | None = None, offset: int = 0
    ) -> list[str]:
        self._require_schema()
        sql = (
            "SELECT paper_id FROM list_papers WHERE list_id = ? "
            "ORDER BY added_at DESC, paper_id LIMIT ? OFFSET ?"
        )
        count = NO_LIMIT if limit is None else limit
        rows = self._db().execute(sql, (list_id, count, max(offset, 0)))
        return [str(r[0]) for r in rows]

    def lists_with_paper(self, user_id: int, paper_id: str) -> list[str]:
        self._require_schema()
        rows = self._db().execute(
            "SELECT l.name FROM list_papers p JOIN reader_lists l ON l.id = p.list_id "
            "WHERE l.user_id = ? AND p.paper_id = ? ORDER BY l.id",
            (user_id, paper_id),
        )
        return [str(r[0]) for r in rows]

    # -- marks and notes ---------------------------------------------------------------

    def set_marks(
        self,
        user_id: int,
        paper_ids: Sequence[str],
        *,
        read: bool | None = None,
        hidden: bool | None = None,
        now: datetime,
    ) -> list[str]:
        self._require_schema()
        if read is None and hidden is None:
            return []
        changed: list[str] = []
        stamp = now.isoformat()
        with self.atomic():
            conn = self._conn
            for chunk in _chunks(paper_ids):
                known = {
                    str(r[0])
                    for r in conn.execute(
                        f"SELECT id FROM papers WHERE id IN ({_placeholders(len(chunk))})", chunk
                    )
                }
                for pid in chunk:
                    if pid not in known:
                        continue
                    row = conn.execute(
                        "SELECT is_read, is_hidden FROM paper_marks "
                        "WHERE user_id = ? AND paper_id = ?",
                        (user_id, pid),
                    ).fetchone()
                    was_read, was_hidden = (bool(row[0]), bool(row[1])) if row else (False, False)
                    is_read = was_read if read is None else read
                    is_hidden = was_hidden if hidden is None else hidden
                    if row is not None and (is_read, is_hidden) == (was_read, was_hidden):
                        continue
                    conn.execute(
                        "INSERT INTO paper_marks (user_id, paper_id, is_read, is_hidden, "
                        "updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, paper_id) "
                        "DO UPDATE SET is_read = excluded.is_read, "
                        "is_hidden = excluded.is_hidden, updated_at = excluded.updated_at",
                        (user_id, pid, int(is_read), int(is_hidden), stamp),
                    )
                    if (is_read, is_hidden) != (was_read, was_hidden):
                        changed.append(pid)
            self._drop_empty_marks(user_id)
            if hidden is not None and changed:
                self._bump_signals(user_id, stamp)
        return changed

    def _drop_empty_marks(self, user_id: int) -> None:
        self._conn.execute(
            "DELETE FROM paper_marks WHERE user_id = ? AND is_read = 0 AND is_hidden = 0 "
            "AND note IS NULL",
            (user_id,),
        )

    def set_note(self, user_id: int, paper_id: str, note: str | None, *, now: datetime) -> bool:
        self._require_schema()
        note = note.strip() if note else None
        with self.atomic():
            if not self._conn.execute("SELECT 1 FROM papers WHERE id = ?", (paper_id,)).fetchone():
                return False
            self._conn.execute(
                "INSERT INTO paper_marks (user_id, paper_id, note, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (user_id, paper_id) "
                "DO UPDATE SET note = excluded.note, updated_at = excluded.updated_at",
                (user_id, paper_id, note or None, now.isoformat()),
            )
            self._drop_empty_marks(user_id)
        return True

    def library_entries(
        self, user_id: int, paper_ids: Sequence[str] | None = None
    ) -> dict[str, LibraryEntry]:
        self._require_schema()
        db = self._db()
        among_lists = among_marks = ""
        params: list[object] = [user_id]
        if paper_ids is not None:
            if not paper_ids:
                return {}
            ids = list(dict.fromkeys(paper_ids))
            among_lists = f" AND p.paper_id IN ({_placeholders(len(ids))})"
            among_marks = f" AND paper_id IN ({_placeholders(len(ids))})"
            params += ids
        lists: dict[str, list[str]] = {}
        added: dict[str, str] = {}
        for pid, name, when in db.execute(
            "SELECT p.paper_id, l.name, p.added_at FROM list_papers p "
            "JOIN reader_lists l ON l.id = p.list_id WHERE l.user_id = ?"
            + among_lists
            + " ORDER BY l.id",
            params,
        ):
            lists.setdefault(str(pid), []).append(str(name))
            if str(pid) not in added or str(when) < added[str(pid)]:
                added[str(pid)] = str(when)
        marks = {
            str(r[0]): r[1:]
            for r in db.execute(
                "SELECT paper_id, is_read, is_hidden, note, updated_at FROM paper_marks "
                "WHERE user_id = ?" + among_marks,
                params,
            )
        }
        entries: list[LibraryEntry] = []
        for pid in set(lists) | set(marks):
            mark = marks.get(pid)
            first = _when(added.get(pid))
            updated = _when(mark[3]) if mark else first
            entries.append(
                LibraryEntry(
                    paper_id=pid,
                    lists=tuple(lists.get(pid, ())),
                    is_read=bool(mark[0]) if mark else False,
                    is_hidden=bool(mark[1]) if mark else False,
                    note=str(mark[2]) if mark and mark[2] is not None else None,
                    added_at=first,
                    updated_at=max(filter(None, (first, updated)), default=None),
                )
            )
        entries.sort(key=lambda e: (e.added_at or e.updated_at or _EPOCH, e.paper_id), reverse=True)
        return {e.paper_id: e for e in entries}

    def excluded_ids(self, user_id: int) -> set[str]:
        self._require_schema()
        rows = self._db().execute(
            "SELECT p.paper_id FROM list_papers p JOIN reader_lists l ON l.id = p.list_id "
            "WHERE l.user_id = ? "
            "UNION SELECT paper_id FROM paper_marks WHERE user_id = ? AND is_hidden = 1 "
            "UNION SELECT paper_id FROM upvotes WHERE user_id = ?",
            (user_id, user_id, user_id),
        )
        return {str(r[0]) for r in rows}

    # -- interests ---------------------------------------------------------------------

    def add_interest(self, user_id: int, kind: InterestKind, value: str, *, now: datetime) -> bool:
        self._require_schema()
        value = " ".join(value.split())
        with self.atomic():
            added = self._conn.execute(
                "INSERT OR IGNORE INTO reader_interests (user_id, kind, value, created_at) "
                "VALUES (?, ?, ?, ?)",
                (user_id, kind, value, now.isoformat()),
            ).rowcount
            if added:
                self._bump_signals(user_id, now.isoformat())
        return bool(added)

    def remove_interest(self, user_id: int, kind: InterestKind, value: str) -> bool:
        self._require_schema()
        value = " ".join(value.split())
        with self.atomic():
            removed = self._conn.execute(
                "DELETE FROM reader_interests WHERE user_id = ? AND kind = ? AND value = ?",
                (user_id, kind, value),
            ).rowcount
            if removed:
                self._bump_signals(user_id, _now_text())
        return bool(removed)

    def interests(self, user_id: int) -> list[Interest]:
        self._require_schema()
        rows = self._db().execute(
            "SELECT kind, value, created_at FROM reader_interests WHERE user_id = ? "
            "ORDER BY created_at, kind, value",
            (user_id,),
        )
        found: list[Interest] = []
        for kind, value, created in rows:
            when = _when(created)
            if kind in ("author", "topic") and when is not None:
                found.append(Interest(kind=kind, value=str(value), created_at=when))
        return found

    # -- signals and models ------------------------------------------------------------

    def signals(self, user_id: int) -> Signals:
        self._require_schema()
        db = self._db()
        row = db.execute(
            "SELECT revision FROM reader_signals WHERE user_id = ?", (user_id,)
        ).fetchone()
        positives = [
            str(r[0])
            for r in db.execute(
                "SELECT paper_id, max(at) AS last FROM ("
                " SELECT p.paper_id, p.added_at AS at FROM list_papers p"
                " JOIN reader_lists l ON l.id = p.list_id WHERE l.user_id = ?"
                " UNION ALL SELECT paper_id, created_at FROM upvotes WHERE user_id = ?"
                ") GROUP BY paper_id ORDER BY last DESC, paper_id",
                (user_id, user_id),
            )
        ]
        hidden = {
            str(r[0])
            for r in db.execute(
                "SELECT paper_id FROM paper_marks WHERE user_id = ? AND is_hidden = 1 "
                "ORDER BY updated_at DESC",
                (user_id,),
            )
        }
        return Signals(
            user_id=user_id,
            revision=int(row[0]) if row else 0,
            positives=[pid for pid in positives if pid not in hidden],
            negatives=sorted(hidden),
            interests=self.interests(user_id),
        )

    def readers_to_train(self, tier: str, *, limit: int | None = None) -> list[int]:
        self._require_schema()
        rows = self._db().execute(
            "SELECT s.user_id FROM reader_signals s "
            "LEFT JOIN reader_models m ON m.user_id = s.user_id AND m.tier = ? "
            "WHERE m.revision IS NULL OR m.revision < s.revision "
            "ORDER BY s.changed_at, s.user_id LIMIT ?",
            (tier, NO_LIMIT if limit is None else limit),
        )
        return [int(r[0]) for r in rows]

    def save_models(self, models: Iterable[StoredModel]) -> int:
        self._require_schema()
        rows = [
            (m.user_id, m.tier, m.revision, m.weights, m.terms, m.trained_at.isoformat())
            for m in models
        ]
        if not rows:
            return 0
        with self.atomic():
            self._conn.executemany(
                "INSERT INTO reader_models (user_id, tier, revision, weights, terms, trained_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, tier) DO UPDATE SET "
                "revision = excluded.revision, weights = excluded.weights, "
                "terms = excluded.terms, trained_at = excluded.trained_at",
                rows,
            )
            self._bump_results()
        return len(rows)

    def delete_models(self, user_id: int) -> int:
        self._require_schema()
        with self.atomic():
            removed = self._conn.execute(
                "DELETE FROM reader_models WHERE user_id = ?", (user_id,)
            ).rowcount
            if removed:
                self._bump_results()
        return int(removed)

    def stored_models(self, tier: str, user_ids: Sequence[int] | None = None) -> list[StoredModel]:
        self._require_schema()
        sql = "SELECT user_id, tier, revision, weights, terms, trained_at FROM reader_models"
        found: list[StoredModel] = []
        batches: list[list[int] | None] = [None]
        if user_ids is not None:
            unique = list(dict.fromkeys(user_ids))
            batches = [unique[i : i + _CHUNK] for i in range(0, len(unique), _CHUNK)]
        for batch in batches:
            where, params = " WHERE tier = ?", [tier]
            if batch is not None:
                where += f" AND user_id IN ({_placeholders(len(batch))})"
                params += [str(u) for u in batch]
            for row in self._db().execute(sql + where + " ORDER BY user_id", params):
                trained = _when(row[5])
                assert trained is not None
                found.append(
                    StoredModel(
                        user_id=int(row[0]),
                        tier=str(row[1]),
                        revision=int(row[2]),
                        weights=bytes(row[3]),
                        terms=str(row[4]),
                        trained_at=trained,
                    )
                )
        return found

    # -- what readers save -------------------------------------------------------------

    def most_saved(self, *, since: datetime, limit: int) -> list[tuple[str, int]]:
        self._require_schema()
        rows = self._db().execute(
            "SELECT p.paper_id, count(DISTINCT l.user_id) AS readers, max(p.added_at) AS last "
            "FROM list_papers p JOIN reader_lists l ON l.id = p.list_id "
            "WHERE p.added_at >= ? GROUP BY p.paper_id "
            "ORDER BY readers DESC, last DESC, p.paper_id LIMIT ?",
            (since.isoformat(), limit),
        )
        return [(str(r[0]), int(r[1])) for r in rows]


_EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")


def _now_text() -> str:
    return utcnow().isoformat()
