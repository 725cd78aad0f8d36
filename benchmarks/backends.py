"""Fresh databases of either backend for the benchmarks that compare them.

``Backends(names)`` is a context manager: ``url(name, folder)`` gives the URL of a new,
empty database of that backend (SQLite: a file in ``folder``; PostgreSQL: a new database
on a server started on loopback from the ``pgserver`` wheel, as in the tests, or on the
server named by ``--postgres-url``/``BENCH_POSTGRES_URL``).
"""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path
from types import TracebackType

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.pg import PostgresServer  # noqa: E402

NAMES = ("sqlite", "postgresql")


class Backends:
    def __init__(self, names: list[str], postgres_url: str | None = None) -> None:
        unknown = set(names) - set(NAMES)
        if unknown:
            raise SystemExit(f"unknown backend(s) {sorted(unknown)}: choose from {NAMES}")
        self.names = names
        self.postgres_url = postgres_url or os.environ.get("BENCH_POSTGRES_URL")
        self.server: PostgresServer | None = None

    def __enter__(self) -> Backends:
        if "postgresql" in self.names and not self.postgres_url:
            self.server = PostgresServer()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.server is not None:
            self.server.stop()

    def url(self, name: str, folder: Path) -> str:
        if name == "sqlite":
            return f"sqlite:///{folder / f'paperwire-{uuid.uuid4().hex[:8]}.db'}"
        if self.server is not None:
            return self.server.database()
        import psycopg

        assert self.postgres_url
        database = f"bench_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.postgres_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        base, _, _ = self.postgres_url.rpartition("/")
        url = f"{base}/{database}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        return url
