"""What the parts of the store's SQL may use of each other: the connections, the write
transaction and the schema check that a backend (``SQLiteStore``, ``PostgresStore``)
provides. A connection is what ``sqlite3.Connection`` offers of itself; the PostgreSQL
backend gives the same (``postgres.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any, Protocol

#: ``LIMIT ?`` with no limit, in SQL both backends run (SQLite's -1 is an error in PostgreSQL).
NO_LIMIT = 1 << 62


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    def execute(self, sql: str, parameters: Any = ..., /) -> Cursor: ...

    def executemany(self, sql: str, parameters: Any, /) -> Cursor: ...


class SQLiteParts:
    _conn: Connection

    def _require_schema(self) -> None:
        raise NotImplementedError

    def _db(self) -> Connection:
        raise NotImplementedError

    def atomic(self, *, bulk: bool = False) -> AbstractContextManager[None]:
        raise NotImplementedError

    def _bump_results(self) -> None:
        """Count a write of what jobs compute (similar lists, rankings): the response
        cache keys on it, with the papers' revision (``cache_version``)."""
        self._conn.execute(
            "INSERT INTO counters (name, value) VALUES ('results', 1) "
            "ON CONFLICT (name) DO UPDATE SET value = counters.value + 1"
        )

    def _bump_signals(self, user_id: int, now: str) -> None:
        """Count a change to what the reader's recommendation model learns from (inside
        the caller's write transaction): the refresh job retrains readers whose model is
        older than this revision."""
        self._conn.execute(
            "INSERT INTO reader_signals (user_id, revision, changed_at) VALUES (?, 1, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET revision = reader_signals.revision + 1, "
            "changed_at = excluded.changed_at",
            (user_id, now),
        )
