"""The PostgreSQL backend: ``SQLStore``'s SQL over psycopg 3 and a connection pool.

Any number of processes share one database. Reads run on a connection borrowed from the
pool for one statement (its rows fetched at once, the connection given back), so a
process holds a connection only while it uses it. ``atomic()`` holds one connection
for the length of the transaction, on the thread that opened it; a nested ``atomic()``
joins it, as in SQLite. A write that waits longer than ``write_wait`` for a lock another
transaction holds (``lock_timeout``), or that meets a deadlock, raises ``StoreBusy`` and
leaves nothing written.

The shared SQL is SQLite's dialect where the two differ only in spelling: ``?``
placeholders become ``%s``, ``INSERT OR IGNORE`` becomes ``ON CONFLICT DO NOTHING``,
``LIKE`` is ``ILIKE`` (SQLite's ``LIKE`` ignores ASCII case), ``x = ? COLLATE NOCASE``
compares ``lower()``s, ``window`` is quoted (a reserved word here), ``date(column)`` is
the UTC day of the time as text. ``_translate`` does
it once per statement text. Booleans are sent as 0 and 1 and dates as ISO text, as
SQLite stores them; sums come back as ``int`` or ``float``, not ``Decimal``.

Migrations (``migrations_pg.py``) have SQLite's names and numbers and run under an
advisory lock, so processes that start at once apply each one once.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg import errors as pg_errors
from psycopg.adapt import Loader
from psycopg_pool import ConnectionPool, PoolTimeout

from paperwire.errors import StoreBusy, StoreError
from paperwire.models import Paper, UpsertCounts
from paperwire.normalize import utcnow
from paperwire.store.migrations_pg import POSTGRESQL as MIGRATIONS
from paperwire.store.sql_store import SQLStore

#: Seconds a write waits for a lock before ``StoreBusy`` (the web's bound).
WRITE_WAIT = 1.0
#: Connections one process may hold at once (threads beyond wait for one).
POOL_SIZE = 16
#: Seconds a thread waits for a free connection of the pool.
POOL_WAIT = 30.0
#: New papers that make an upsert refresh the planner's statistics of ``papers`` (or as
#: many as there were at the last refresh, if more: the table doubled).
ANALYZE_EVERY = 5000
#: The advisory lock migrations run under (any number, the same in every process).
_MIGRATION_LOCK = 0x70617065  # "pape"

_PLACEHOLDER = re.compile(r"\?")
_OR_IGNORE = re.compile(r"^\s*INSERT OR IGNORE INTO", re.IGNORECASE)
_RETURNING = re.compile(r"\sRETURNING\s", re.IGNORECASE)
_NOCASE = re.compile(r"(\w+) = \? COLLATE NOCASE")
_LIKE = re.compile(r"\bLIKE\b")
_WINDOW = re.compile(r"\bwindow\b")
_DATE = re.compile(r"\bdate\((\w+)\)")
#: SQLite's date(): the UTC day of an ISO time, as text.
_UTC_DAY = r"to_char(CAST(\1 AS timestamptz) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
_BY_HAND = {
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?": (
        "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema()"
        " AND table_name = %s"
    ),
}


@lru_cache(maxsize=2048)
def _translate(sql: str) -> str:
    """``sql`` (the shared dialect) as PostgreSQL takes it (see the module)."""
    if sql in _BY_HAND:
        return _BY_HAND[sql]
    text = sql.replace("%", "%%")
    if _OR_IGNORE.match(text):
        text = _OR_IGNORE.sub("INSERT INTO", text, count=1)
        found = _RETURNING.search(text)
        if found:
            text = f"{text[: found.start()]} ON CONFLICT DO NOTHING{text[found.start() :]}"
        else:
            text = f"{text} ON CONFLICT DO NOTHING"
    text = _NOCASE.sub(r"lower(\1) = lower(?)", text)
    text = _LIKE.sub("ILIKE", text)
    text = _WINDOW.sub('"window"', text)
    text = _DATE.sub(_UTC_DAY, text)
    return _PLACEHOLDER.sub("%s", text)


def _value(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return value.isoformat(" ")  # what sqlite3's default adapter writes
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, memoryview):
        return bytes(value)
    return value


#: Values sent as they are (the rest go through ``_value``).
_AS_IS = frozenset({str, int, float, bytes, type(None)})


def _params(params: Any) -> Any:
    if isinstance(params, dict):
        return {k: _value(v) for k, v in params.items()}
    return [v if type(v) in _AS_IS else _value(v) for v in params]


class _NumberLoader(Loader):
    """``numeric`` (sums, averages) as ``int`` when whole, else ``float``."""

    def load(self, data: Any) -> int | float:
        text = bytes(data).decode()
        try:
            return int(text)
        except ValueError:
            return float(text)


def _configure(conn: psycopg.Connection[Any]) -> None:
    conn.adapters.register_loader("numeric", _NumberLoader)


class Result:
    """A statement's rows, fetched (what ``sqlite3.Cursor`` gives that the SQL uses)."""

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[Any]:
        return list(self._rows)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)


def _run(conn: psycopg.Connection[Any], sql: str, params: Any) -> Result:
    with conn.cursor() as cursor:
        cursor.execute(_translate(sql), _params(params) if params else None)
        rows = cursor.fetchall() if cursor.description is not None else []
        return Result(rows, cursor.rowcount)


def _run_many(conn: psycopg.Connection[Any], sql: str, seq: Any) -> Result:
    rows = [_params(p) for p in seq]
    if not rows:
        return Result([], 0)
    with conn.cursor() as cursor:
        cursor.executemany(_translate(sql), rows)  # pipelined: one round trip
        return Result([], cursor.rowcount)


class _Transaction:
    """The connection of one ``atomic()`` (what the shared SQL calls ``_conn``)."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.raw = conn

    def execute(self, sql: str, parameters: Any = (), /) -> Result:
        return _run(self.raw, sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> Result:
        return _run_many(self.raw, sql, parameters)


class _Pooled:
    """Statements outside a transaction: each on a connection borrowed for it."""

    def __init__(self, store: PostgresStore) -> None:
        self.store = store

    def execute(self, sql: str, parameters: Any = (), /) -> Result:
        with self.store._borrow() as conn:
            return _run(conn, sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> Result:
        with self.store._borrow() as conn:
            return _run_many(conn, sql, parameters)


def _where(url: str) -> str:
    """host:port/database of ``url``, without user or password (for messages)."""
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path or ''}"


class PostgresStore(SQLStore):
    """A ``Store`` over one PostgreSQL database (see the module)."""

    def __init__(
        self,
        url: str,
        *,
        create: bool = True,
        write_wait: float = WRITE_WAIT,
        pool_size: int = POOL_SIZE,
    ) -> None:
        self.url = url
        self.path = _where(url)
        self._write_wait = write_wait
        self._local = threading.local()
        self._schema_ok = False
        self._grown = 0  # papers added since the last ANALYZE
        self._rows_analyzed = 0
        self._pooled = _Pooled(self)
        self._pool = ConnectionPool(
            url.replace("postgres://", "postgresql://", 1),
            min_size=1,
            max_size=max(1, pool_size),
            kwargs={"autocommit": True},
            configure=_configure,
            open=False,
            name="paperwire",
        )
        try:
            self._pool.open(wait=True, timeout=10)
        except PoolTimeout as exc:
            self._pool.close()
            raise StoreError(f"cannot connect to PostgreSQL at {self.path}") from exc

    # -- connections -------------------------------------------------------------------

    @contextmanager
    def _borrow(self) -> Iterator[psycopg.Connection[Any]]:
        try:
            with self._pool.connection(timeout=POOL_WAIT) as conn:
                yield conn
        except PoolTimeout as exc:
            raise StoreBusy(POOL_WAIT, retry_after=1) from exc
        except psycopg.OperationalError as exc:
            raise StoreError(f"PostgreSQL at {self.path}: {_first_line(exc)}") from exc

    @property
    def _conn(self) -> Any:  # type: ignore[override]
        current: _Transaction | None = getattr(self._local, "tx", None)
        return current if current is not None else self._pooled

    def _db(self) -> Any:
        return self._conn

    @property
    def write_wait(self) -> float:
        """Seconds a write waits for a lock before ``StoreBusy``."""
        return self._write_wait

    @write_wait.setter
    def write_wait(self, seconds: float) -> None:
        self._write_wait = seconds

    @contextmanager
    def atomic(self, *, bulk: bool = False) -> Iterator[None]:
        """A write transaction on this thread (nested: joins the outer one)."""
        if getattr(self._local, "tx", None) is not None:
            yield
            return
        with self._borrow() as conn:
            tx = _Transaction(conn)
            wait_ms = max(1, int(self._write_wait * 1000))
            try:
                conn.execute("BEGIN")
                conn.execute(f"SET LOCAL lock_timeout = {wait_ms}")
                self._local.tx = tx
                try:
                    yield
                finally:
                    self._local.tx = None
            except BaseException as exc:
                if not conn.closed:
                    conn.execute("ROLLBACK")
                if isinstance(exc, pg_errors.LockNotAvailable | pg_errors.DeadlockDetected):
                    raise StoreBusy(self._write_wait, retry_after=1) from exc
                if isinstance(exc, pg_errors.SerializationFailure):
                    raise StoreBusy(self._write_wait, retry_after=1) from exc
                raise
            else:
                conn.execute("COMMIT")

    def upsert_papers(self, papers: Iterable[Paper]) -> UpsertCounts:
        counts = super().upsert_papers(papers)
        self._grown += counts.new
        if self._grown >= max(ANALYZE_EVERY, self._rows_analyzed):
            self._analyze()
        return counts

    def _analyze(self) -> None:
        """Fresh planner statistics of the tables a bulk import grows: without them, a
        table that grew from nothing during the import is still planned as empty, and
        each batch's lookups scan it whole (a quarter of the import's time at 75,000
        papers) until autovacuum comes round."""
        with self._borrow() as conn:
            conn.execute("ANALYZE papers")
            row = conn.execute("SELECT count(*) FROM papers").fetchone()
        self._rows_analyzed = int(row[0]) if row else 0
        self._grown = 0

    # -- migrations --------------------------------------------------------------------

    def _applied(self, conn: psycopg.Connection[Any]) -> set[str]:
        exists = conn.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema()"
            " AND table_name = 'schema_migrations'"
        ).fetchone()
        if not exists:
            return set()
        return {r[0] for r in conn.execute("SELECT name FROM schema_migrations")}

    def pending_migrations(self) -> list[str]:
        with self._borrow() as conn:
            applied = self._applied(conn)
        return [name for name, _ in MIGRATIONS if name not in applied]

    def migrate(self) -> list[str]:
        done: list[str] = []
        if not self.pending_migrations():
            return done
        with self._borrow() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
            try:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    "name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
                )
                for name, statements in MIGRATIONS:
                    with conn.transaction():
                        if name in self._applied(conn):
                            continue
                        for statement in statements:
                            conn.execute(statement)
                        conn.execute(
                            "INSERT INTO schema_migrations (name, applied_at) VALUES (%s, %s)",
                            (name, utcnow().isoformat()),
                        )
                        done.append(name)
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))
        return done

    def _require_schema(self) -> None:
        if self._schema_ok:
            return
        pending = self.pending_migrations()
        self._schema_ok = not pending
        if pending:
            raise StoreError(
                f"{self.path} needs migrations ({', '.join(pending)}): run `paperwire db migrate`"
            )

    def close(self) -> None:
        self._pool.close()


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
