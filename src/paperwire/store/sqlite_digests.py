"""What the SQLite store keeps for
subscriptions, the digest outbox and what each subscriber was sent.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager


class DigestSupport:
    _conn: sqlite3.Connection

    def _require_schema(self) -> None:
        raise NotImplementedError

    def _db(self) -> sqlite3.Connection:
        raise NotImplementedError

    def atomic(self) -> AbstractContextManager[None]:
        raise NotImplementedError
