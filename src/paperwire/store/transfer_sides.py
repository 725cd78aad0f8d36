"""The two ends of a table copy (``paperwire.store.transfer``): one small adapter per
backend that opens its own connection from the URL and speaks in tables, columns, keys
and rows, independent of the ``Store`` classes.

- ``SQLiteSide``: ``sqlite3``; the catalog from ``sqlite_master`` and ``PRAGMA``.
  A table's hidden row number (``rowid``) is a column too, since ``papers.rowid`` is the
  papers' key in the search indexes.
- ``PostgresSide``: psycopg 3; the catalog from ``information_schema`` and
  ``pg_constraint``; batches written with ``COPY``; text keys compared byte by byte
  (``COLLATE "C"``), as SQLite compares them.

How values of one backend are written into the other, and normalised for the checksum,
is in ``transfer_values``.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from paperwire.errors import StoreError
from paperwire.store.migrations import SQLITE as MIGRATIONS
from paperwire.store.transfer_values import (
    PG_KINDS,
    Convert,
    sqlite_kind,
    to_postgres,
    to_sqlite,
)

#: The page cache of a SQLite end, in KiB.
CACHE_KIB = 256 * 1024
#: The migrations bookkeeping table: never copied (the target has its own).
MIGRATIONS_TABLE = "schema_migrations"
Row = tuple[Any, ...]


@dataclass
class Column:
    name: str
    kind: str  # int, float, numeric, text, bytes, bool, json, timestamp, date, vector, any
    serial: bool = False  # filled by a sequence (PostgreSQL identity/serial, SQLite rowid)
    optional: bool = True  # nullable or with a default: may be left out of an insert
    hidden: bool = False  # SQLite's rowid of a table whose key is not an integer


@dataclass
class Table:
    name: str
    columns: list[Column]
    key: list[str]  # primary key columns; empty: no key, copied whole
    references: set[str] = field(default_factory=set)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def redact(url: str) -> str:
    """The URL without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# -- the two ends ------------------------------------------------------------------------


class Side:
    """One database seen as tables of rows. ``begin_snapshot()`` makes every later read
    see one moment; ``write`` commits one batch."""

    url: str
    where: str  # the path or host:port/database, for messages (never a password)
    backend: str
    param: str  # the placeholder of a query parameter
    _ordered_text_keys: bool = False  # add COLLATE "C" to text keys

    def tables(self) -> dict[str, Table]:
        raise NotImplementedError

    def migrations(self) -> set[str] | None:
        """Names of the applied migrations; None when there is no bookkeeping table."""
        raise NotImplementedError

    def begin_snapshot(self) -> None:
        raise NotImplementedError

    def _execute(self, query: str, params: Sequence[Any] = ()) -> list[Row]:
        raise NotImplementedError

    def _stream(self, query: str, params: Sequence[Any], batch: int) -> Iterator[list[Row]]:
        raise NotImplementedError

    def write(self, table: Table, columns: Sequence[str], rows: Sequence[Row]) -> None:
        raise NotImplementedError

    def clear(self, tables: Sequence[str]) -> None:
        """Delete every row of ``tables`` (referring tables first) in one transaction."""
        raise NotImplementedError

    def sequences(self) -> dict[tuple[str, str], int]:
        """The last value handed out by each sequence, by (table, column)."""
        raise NotImplementedError

    def set_sequences(self, tables: dict[str, Table], floor: dict[tuple[str, str], int]) -> None:
        """Let each sequence continue after the largest value in its column (and after
        ``floor``, the source's last value)."""
        raise NotImplementedError

    def defer_indexes(self, table: Table) -> None:
        """Before ``table`` is loaded: leave out what is cheaper made once at the end."""

    def make_indexes(self, table: Table | None = None) -> None:
        """After ``table`` is loaded (None: before a copy resumes): make what was left out."""

    def finish(self) -> None:
        """After loading: what makes the target ready to serve (statistics)."""

    def close(self) -> None:
        raise NotImplementedError

    # -- reads shared by both: keys compared as SQLite compares them -------------------

    def _key_sql(self, table: Table, key: Sequence[str]) -> list[str]:
        parts = []
        for name in key:
            text = self._ordered_text_keys and table.column(name).kind == "text"
            parts.append(quote(name) + (' COLLATE "C"' if text else ""))
        return parts

    def _after(self, table: Table, key: Sequence[str], op: str) -> str:
        parts = self._key_sql(table, key)
        marks = ", ".join([self.param] * len(key))
        if len(key) == 1:
            return f"{parts[0]} {op} {marks}"
        return f"({', '.join(parts)}) {op} ({marks})"

    def count(self, table: Table, *, key: Sequence[str] = (), upto: Row | None = None) -> int:
        where = f" WHERE {self._after(table, key, '<=')}" if upto is not None else ""
        rows = self._execute(f"SELECT count(*) FROM {quote(table.name)}{where}", upto or ())
        return int(rows[0][0])

    def last_key(self, table: Table, key: Sequence[str]) -> Row | None:
        order = ", ".join(f"{part} DESC" for part in self._key_sql(table, key))
        cols = ", ".join(quote(k) for k in key)
        rows = self._execute(f"SELECT {cols} FROM {quote(table.name)} ORDER BY {order} LIMIT 1")
        return tuple(rows[0]) if rows else None

    def read(
        self,
        table: Table,
        columns: Sequence[str],
        *,
        key: Sequence[str],
        after: Row | None = None,
        upto: Row | None = None,
        batch: int = 1000,
        ordered: bool = True,
    ) -> Iterator[list[Row]]:
        """The rows in key order (text byte by byte; without a key, by every column), in
        lists of ``batch``; ``after``: only rows above that key; ``upto``: only rows up
        to it; ``ordered=False``: in any order."""
        where: list[str] = []
        params: list[Any] = []
        if after is not None:
            where.append(self._after(table, key, ">"))
            params.extend(after)
        if upto is not None:
            where.append(self._after(table, key, "<="))
            params.extend(upto)
        query = f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(table.name)}"
        if where:
            query += f" WHERE {' AND '.join(where)}"
        if ordered:
            query += f" ORDER BY {', '.join(self._key_sql(table, key) or map(quote, columns))}"
        return self._stream(query, params, batch)


class SQLiteSide(Side):
    backend = "sqlite"
    param = "?"

    def __init__(self, url: str, *, create: bool = False) -> None:
        self.url = url
        self.where = url.removeprefix("sqlite:///")
        path = Path(self.where)
        if not create and not path.is_file():
            raise StoreError(f"no database at {path}")
        mode = "rwc" if create else "rw"
        self._deferred: list[tuple[str, str, str]] = []  # indexes dropped for a load
        try:
            self.conn = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode={mode}", uri=True, isolation_level=None
            )
            self.conn.execute("PRAGMA busy_timeout = 10000")
            self.conn.execute("PRAGMA foreign_keys = OFF")  # rows arrive as they are
            self.conn.execute("PRAGMA synchronous = NORMAL")
            # Batches land in many tables' indexes at once: a big page cache, and the WAL
            # checkpointed every 64 MiB, not every 4 MiB (as the store does).
            self.conn.execute(f"PRAGMA cache_size = {-CACHE_KIB}")
            self.conn.execute("PRAGMA wal_autocheckpoint = 16384")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {path}: {exc}") from exc

    def _execute(self, query: str, params: Sequence[Any] = ()) -> list[Row]:
        return self.conn.execute(query, tuple(params)).fetchall()

    def _stream(self, query: str, params: Sequence[Any], batch: int) -> Iterator[list[Row]]:
        cursor = self.conn.execute(query, tuple(params))
        while rows := cursor.fetchmany(batch):
            yield rows

    def _has_rowid(self, name: str) -> bool:
        try:
            self.conn.execute(f"SELECT rowid FROM {quote(name)} LIMIT 0")
        except sqlite3.OperationalError:
            return False  # WITHOUT ROWID
        return True

    def tables(self) -> dict[str, Table]:
        found: dict[str, Table] = {}
        for (name,) in self._execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY rowid"
        ):
            info = self._execute(f"PRAGMA table_xinfo({quote(name)})")
            columns = [
                Column(n, sqlite_kind(t), optional=not notnull or d is not None)
                for _, n, t, notnull, d, pk, hidden in info
                if hidden == 0
            ]
            key = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
            declared = {r[1]: str(r[2]).upper() for r in info}
            if self._has_rowid(name):
                if len(key) == 1 and declared[key[0]] == "INTEGER":  # the rowid itself
                    alias = next(c for c in columns if c.name == key[0])
                    alias.serial = alias.optional = True
                else:
                    columns.insert(0, Column("rowid", "int", serial=True, hidden=True))
            references = {r[2] for r in self._execute(f"PRAGMA foreign_key_list({quote(name)})")}
            found[name] = Table(name, columns, key, references - {name})
        return found

    def migrations(self) -> set[str] | None:
        if not self._execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (MIGRATIONS_TABLE,)
        ):
            return None
        return {r[0] for r in self._execute(f"SELECT name FROM {MIGRATIONS_TABLE}")}

    def begin_snapshot(self) -> None:
        # A read transaction starts at its first read and sees that moment until its end.
        self.conn.execute("BEGIN")
        self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()

    def write(self, table: Table, columns: Sequence[str], rows: Sequence[Row]) -> None:
        marks = ", ".join("?" * len(columns))
        cols = ", ".join(quote(c) for c in columns)
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.conn.executemany(
                f"INSERT INTO {quote(table.name)} ({cols}) VALUES ({marks})", rows
            )
        except sqlite3.Error:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def clear(self, tables: Sequence[str]) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        for name in tables:
            self.conn.execute(f"DELETE FROM {quote(name)}")
        self.conn.execute("COMMIT")

    def defer_indexes(self, table: Table) -> None:
        # A secondary index takes its rows in random order: one commit a batch rewrites
        # pages all over it (1.5 million similar papers: 44 s with the index, 4 s without
        # and 2.6 s to make it after).
        found = self._execute(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' "
            "AND tbl_name = ? AND sql IS NOT NULL",
            (table.name,),
        )
        for name, owner, statement in found:
            self._deferred.append((name, owner, statement))
            self.conn.execute(f"DROP INDEX {quote(name)}")

    def make_indexes(self, table: Table | None = None) -> None:
        """The indexes left out for a load (of ``table``, or of every table) that the
        database lacks; after an interruption, those the migrations define."""
        have = {r[0] for r in self._execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        for name, owner, statement in [*self._deferred, *schema_indexes()]:
            if name not in have and (table is None or owner == table.name):
                self.conn.execute(statement)
                have.add(name)
        self._deferred = [d for d in self._deferred if d[0] not in have]

    def _autoincrement(self) -> dict[str, int]:
        """Tables declared AUTOINCREMENT: the last number each handed out."""
        if not self._execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'"):
            return {}
        return {r[0]: int(r[1]) for r in self._execute("SELECT name, seq FROM sqlite_sequence")}

    def sequences(self) -> dict[tuple[str, str], int]:
        tables = self.tables()
        found = {}
        for name, seq in self._autoincrement().items():
            serial = [c.name for c in tables[name].columns if c.serial] if name in tables else []
            if serial:
                found[(name, serial[0])] = seq
        return found

    def set_sequences(self, tables: dict[str, Table], floor: dict[tuple[str, str], int]) -> None:
        # Rows inserted with their numbers already moved each table's own counter to its
        # largest; a number the source handed out to a row since deleted is kept too.
        known = self._autoincrement()
        self.conn.execute("BEGIN IMMEDIATE")
        for (name, _), value in floor.items():
            if name in known and known[name] < value:
                self.conn.execute(
                    "UPDATE sqlite_sequence SET seq = ? WHERE name = ?", (value, name)
                )
            elif name not in known and value and "AUTOINCREMENT" in self._sql(name).upper():
                self.conn.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (name, value)
                )
        self.conn.execute("COMMIT")

    def _sql(self, name: str) -> str:
        rows = self._execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,))
        return str(rows[0][0]) if rows else ""

    def backup_to(self, path: Path) -> None:
        """The whole database as it is at one moment, into the new file ``path``: the
        backup API in one step holds one read transaction (writers go on in WAL)."""
        out = sqlite3.connect(path)
        try:
            self.conn.backup(out)
            out.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        finally:
            out.close()

    def close(self) -> None:
        self.conn.close()


@cache
def schema_indexes() -> list[tuple[str, str, str]]:
    """(name, table, CREATE INDEX statement) of every index the SQLite migrations make."""
    conn = sqlite3.connect(":memory:")
    try:
        for _, statements in MIGRATIONS:
            for statement in statements:
                conn.execute(statement)
        return conn.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' "
            "AND sql IS NOT NULL ORDER BY name"
        ).fetchall()
    finally:
        conn.close()


def _pg_where(url: str) -> str:
    try:
        info = conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise StoreError(f"cannot read the database URL {redact(url)}: {exc}") from exc
    host = info.get("host") or "localhost"
    return f"{host}:{info.get('port') or 5432}/{info.get('dbname') or info.get('user') or ''}"


class PostgresSide(Side):
    backend = "postgresql"
    param = "%s"
    _ordered_text_keys = True

    def __init__(self, url: str) -> None:
        self.url = url
        self.where = _pg_where(url)
        try:
            # Autocommit: each write says where its transaction ends (one a batch); the
            # source's snapshot is the one transaction that stays open.
            self.conn = psycopg.connect(url, connect_timeout=10, autocommit=True)
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            password = conninfo_to_dict(url).get("password")
            if password:
                reason = reason.replace(str(password), "***")
            raise StoreError(f"cannot connect to PostgreSQL at {self.where}: {reason}") from exc
        self.conn.execute("SET TIME ZONE 'UTC'")
        self._cursors = 0

    def _execute(self, query: str, params: Sequence[Any] = ()) -> list[Row]:
        return self.conn.execute(query.encode(), tuple(params)).fetchall()

    def _stream(self, query: str, params: Sequence[Any], batch: int) -> Iterator[list[Row]]:
        self._cursors += 1
        with ExitStack() as stack:
            if self.conn.autocommit:  # a server-side cursor lives in a transaction
                stack.enter_context(self.conn.transaction())
            cursor = stack.enter_context(self.conn.cursor(name=f"paperwire_copy_{self._cursors}"))
            cursor.itersize = batch
            cursor.execute(query.encode(), tuple(params))
            while rows := cursor.fetchmany(batch):
                yield rows

    def tables(self) -> dict[str, Table]:
        names = [
            r[0]
            for r in self._execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = "
                "current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
            )
        ]
        found = {name: Table(name, [], []) for name in names}
        for table, name, udt, nullable, default, identity, generated in self._execute(
            "SELECT table_name, column_name, udt_name, is_nullable, column_default, "
            "is_identity, is_generated FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
        ):
            if table not in found or generated == "ALWAYS":
                continue
            serial = identity == "YES" or str(default or "").startswith("nextval(")
            optional = nullable == "YES" or default is not None or serial
            found[table].columns.append(Column(name, PG_KINDS.get(udt, "any"), serial, optional))
        for table, name in self._execute(
            "SELECT tc.table_name, k.column_name FROM information_schema.table_constraints tc "
            "JOIN information_schema.key_column_usage k ON k.constraint_name = tc.constraint_name "
            "AND k.table_schema = tc.table_schema AND k.table_name = tc.table_name "
            "WHERE tc.table_schema = current_schema() AND tc.constraint_type = 'PRIMARY KEY' "
            "ORDER BY tc.table_name, k.ordinal_position"
        ):
            if table in found:
                found[table].key.append(name)
        for table, other in self._execute(
            "SELECT c.relname, r.relname FROM pg_constraint k "
            "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE k.contype = 'f' AND n.nspname = current_schema()"
        ):
            if table in found and other != table:
                found[table].references.add(other)
        return found

    def migrations(self) -> set[str] | None:
        if not self._execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_name = %s",
            (MIGRATIONS_TABLE,),
        ):
            return None
        return {r[0] for r in self._execute(f"SELECT name FROM {MIGRATIONS_TABLE}")}

    def begin_snapshot(self) -> None:
        self.conn.autocommit = False
        self.conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        self.conn.read_only = True
        self.conn.execute("SELECT 1").fetchone()  # the snapshot is taken at the first query

    def write(self, table: Table, columns: Sequence[str], rows: Sequence[Row]) -> None:
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        with self.conn.transaction(), self.conn.cursor() as cursor:
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)

    def clear(self, tables: Sequence[str]) -> None:
        with self.conn.transaction():
            for name in tables:
                self.conn.execute(f"DELETE FROM {quote(name)}".encode())

    def _serial_columns(self, tables: dict[str, Table]) -> list[tuple[str, str, str]]:
        found = []
        for table in tables.values():
            for column in table.columns:
                if not column.serial:
                    continue
                rows = self._execute(
                    "SELECT pg_get_serial_sequence(%s, %s)", (quote(table.name), column.name)
                )
                if rows and rows[0][0]:
                    found.append((table.name, column.name, str(rows[0][0])))
        return found

    def sequences(self) -> dict[tuple[str, str], int]:
        found = {}
        for table, column, sequence in self._serial_columns(self.tables()):
            last, called = self._execute(f"SELECT last_value, is_called FROM {sequence}")[0]
            if called:
                found[(table, column)] = int(last)
        return found

    def set_sequences(self, tables: dict[str, Table], floor: dict[tuple[str, str], int]) -> None:
        with self.conn.transaction():
            for table, column, sequence in self._serial_columns(tables):
                top = self._execute(f"SELECT max({quote(column)}) FROM {quote(table)}")[0][0]
                value = max(int(top or 0), floor.get((table, column), 0))
                self._execute("SELECT setval(%s, %s, %s)", (sequence, max(value, 1), value >= 1))

    def server_major(self) -> int:
        return int(self._execute("SHOW server_version_num")[0][0]) // 10000

    def tool_arguments(self) -> tuple[str, dict[str, str]]:
        """The connection for ``pg_dump``/``pg_restore``: the URL's parameters without the
        password, which goes in the environment (never on a command line)."""
        info = {k: str(v) for k, v in conninfo_to_dict(self.url).items()}
        env = dict(os.environ)
        if password := info.pop("password", None):
            env["PGPASSWORD"] = password
        return make_conninfo(**info), env

    def finish(self) -> None:
        self.conn.execute("ANALYZE")

    def close(self) -> None:
        self.conn.close()


def open_side(url: str, *, create: bool = False) -> Side:
    """The adapter for a database URL (``create``: a missing SQLite file is made)."""
    if url.startswith("sqlite:///"):
        return SQLiteSide(url, create=create)
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresSide(url)
    raise StoreError(
        f"unsupported database URL {redact(url)!r}: expected sqlite:///path or postgresql://..."
    )


def writer_for(target: Side) -> Callable[[str, str], Convert | None]:
    """How a value of one kind is converted for a column of ``target``."""
    return to_postgres if target.backend == "postgresql" else to_sqlite
