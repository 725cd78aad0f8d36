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
