"""The SQLite backend: one file, WAL, foreign keys, one writer. The SQL itself is
``SQLStore``'s (``sql_store.py``), shared with the PostgreSQL backend.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from paperwire.errors import StoreError
from paperwire.normalize import utcnow
from paperwire.store.migrations import SQLITE as MIGRATIONS
from paperwire.store.sql_store import SQLStore
from paperwire.store.sqlite_writer import WriteGate

#: How much of the database file reads may map (``PRAGMA mmap_size``).
MMAP_BYTES = 8 << 30
#: WAL pages between automatic checkpoints (``PRAGMA wal_autocheckpoint``).
WAL_CHECKPOINT_PAGES = 16384

#: Seconds a write waits for another writer before ``StoreBusy`` (the web's bound).
WRITE_WAIT = 1.0


class SQLiteStore(SQLStore):
    """A ``Store`` over one SQLite file. Writes are serialised by one lock and
    ``BEGIN IMMEDIATE``; a write that cannot start within ``write_wait`` seconds (another
    thread or process is writing) raises ``StoreBusy`` instead of waiting on
    (``paperwire.store.sqlite_writer``)."""

    def __init__(self, path: str, *, create: bool = True, write_wait: float = WRITE_WAIT) -> None:
        self.path = path
        self.url = f"sqlite:///{path}"
        if not create and path != ":memory:" and not Path(path).exists():
            raise StoreError(f"no database at {path}: run `paperwire db migrate` first")
        self._raw = self._connect()
        self._conn = self._raw
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA cache_size = -65536")  # 64 MiB: big imports stay in memory
        # Writes come in many short transactions (an import's batches): checkpoint the
        # WAL every 64 MiB instead of every 4 MiB, as each checkpoint waits for the disk
        # (15% of an import's write time at the default).
        self._conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
        self._conn.execute(f"PRAGMA journal_size_limit = {WAL_CHECKPOINT_PAGES * 4096}")
        # The writer never sleeps inside SQLite: the gate polls (see sqlite_writer).
        self._conn.execute("PRAGMA busy_timeout = 0")
        self._gate = WriteGate(self._raw, path, wait=write_wait)
        self._depth = 0
        self._writer: int | None = None  # the thread inside atomic()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._schema_ok = False

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {self.path}: {exc}") from exc
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        # Reads map the file instead of copying pages through read() into each
        # connection's own small cache: every thread of every process shares the OS's.
        conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        return conn

    def _db(self) -> sqlite3.Connection:
        """The connection for a read: the writer's inside this thread's transaction
        (so it sees its own writes), else one connection per thread (WAL readers do
        not block each other or the writer)."""
        if self._depth and self._writer == threading.get_ident():
            return self._raw
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
            self._readers.append(conn)
        return conn

    # -- transactions and migrations -------------------------------------------------

    @contextmanager
    def atomic(self, *, bulk: bool = False) -> Iterator[None]:
        """A write transaction. ``bulk``: one batch of many (an import's, a ranking's),
        which gives way to every other writer waiting (``sqlite_writer``)."""
        if self._writer == threading.get_ident():  # nested: join the outer transaction
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._gate.begin(bulk=bulk)
        self._depth = 1
        self._writer = threading.get_ident()
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        else:
            self._conn.execute("COMMIT")
        finally:
            self._depth = 0
            self._writer = None
            self._gate.end()

    @property
    def write_wait(self) -> float:
        """Seconds a write waits for another writer before ``StoreBusy``."""
        return self._gate.wait

    @write_wait.setter
    def write_wait(self, seconds: float) -> None:
        self._gate.wait = seconds

    def _applied(self) -> set[str]:
        exists = self._conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        ).fetchone()
        if not exists:
            return set()
        return {r[0] for r in self._conn.execute("SELECT name FROM schema_migrations")}

    def pending_migrations(self) -> list[str]:
        applied = self._applied()
        return [name for name, _ in MIGRATIONS if name not in applied]

    def migrate(self) -> list[str]:
        done: list[str] = []
        if not self.pending_migrations():  # the usual case: nothing to write, no lock taken
            return done
        with self._gate.lock:
            with self.atomic():
                self._conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    "name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
                )
            for name, statements in MIGRATIONS:
                with self.atomic():
                    if name in self._applied():
                        continue
                    for statement in statements:
                        self._conn.execute(statement)
                    self._conn.execute(
                        "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                        (name, utcnow().isoformat()),
                    )
                    done.append(name)
        return done

    def _require_schema(self) -> None:
        if self._schema_ok:  # migrations only ever get applied, never undone
            return
        pending = self.pending_migrations()
        self._schema_ok = not pending
        if pending:
            raise StoreError(
                f"{self.path} needs migrations ({', '.join(pending)}): run `paperwire db migrate`"
            )

    def close(self) -> None:
        for conn in self._readers:
            conn.close()
        self._readers.clear()
        self._raw.close()
        self._gate.close()
