"""What the SQLite store keeps for GitHub star fetching state and stored trending scores."""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager


class RankSupport:
    _conn: sqlite3.Connection

    def _require_schema(self) -> None:
        raise NotImplementedError

    def _db(self) -> sqlite3.Connection:
        raise NotImplementedError

    def atomic(self) -> AbstractContextManager[None]:
        raise NotImplementedError
