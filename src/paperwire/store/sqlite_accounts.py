"""What the SQLite store keeps for
accounts, sign-in links, sessions, API tokens, upvotes and submissions.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager


class AccountsSupport:
    _conn: sqlite3.Connection

    def _require_schema(self) -> None:
        raise NotImplementedError

    def _db(self) -> sqlite3.Connection:
        raise NotImplementedError

    def atomic(self) -> AbstractContextManager[None]:
        raise NotImplementedError
