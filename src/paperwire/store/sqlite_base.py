"""What the parts of the SQLite store may use of each other: the connections, the write
transaction and the schema check that ``SQLiteStore`` provides."""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager


class SQLiteParts:
    _conn: sqlite3.Connection

    def _require_schema(self) -> None:
        raise NotImplementedError

    def _db(self) -> sqlite3.Connection:
        raise NotImplementedError

    def atomic(self, *, bulk: bool = False) -> AbstractContextManager[None]:
        raise NotImplementedError

    def _bump_results(self) -> None:
        """Count a write of what jobs compute (similar lists, rankings): the response
        cache keys on it, with the papers' revision (``cache_version``)."""
        self._conn.execute(
            "INSERT INTO counters (name, value) VALUES ('results', 1) "
            "ON CONFLICT (name) DO UPDATE SET value = value + 1"
        )

    def _bump_signals(self, user_id: int, now: str) -> None:
        """Count a change to what the reader's recommendation model learns from (inside
        the caller's write transaction): the refresh job retrains readers whose model is
        older than this revision."""
        self._conn.execute(
            "INSERT INTO reader_signals (user_id, revision, changed_at) VALUES (?, 1, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET revision = revision + 1, "
            "changed_at = excluded.changed_at",
            (user_id, now),
        )
