"""Storage: ``open_store(url)`` returns the backend for a database URL."""

from __future__ import annotations

from paperwire.errors import StoreError
from paperwire.store.base import Store


def open_store(url: str, *, create: bool = True) -> Store:
    """``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db`` or ``postgresql://...``.

    With ``create=False`` a missing SQLite file is an error instead of a new database (a
    PostgreSQL database is made by its administrator; ``migrate()`` creates the tables).
    """
    if url.startswith("sqlite:///"):
        from paperwire.store.sqlite import SQLiteStore

        return SQLiteStore(url.removeprefix("sqlite:///"), create=create)
    if url.startswith(("postgresql://", "postgres://")):
        from paperwire.store.postgres import PostgresStore

        return PostgresStore(url, create=create)
    raise StoreError(f"unsupported database URL {url!r}: expected sqlite:///path or postgresql://")


__all__ = ["Store", "open_store"]
