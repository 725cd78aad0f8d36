"""Backups of an instance, and restoring one.

- ``backup_database(url, path)``. SQLite: the backup API copies the database as it is at
  one moment (one read transaction; writers go on meanwhile) into one self-contained
  file. PostgreSQL: ``pg_dump --format=custom`` when a ``pg_dump`` of at least the
  server's major version is on PATH (it reads one snapshot too); else a portable backup:
  a SQLite file written by the table copy from one snapshot, which ``restore_database``
  and ``paperwire db copy sqlite:///PATH ...`` read.
- ``restore_database(path, url)``. A SQLite backup goes into either backend by the table
  copy (a backup older than this paperwire is first brought up to date in a temporary
  copy); a pg_dump file goes into PostgreSQL by ``pg_restore`` in one transaction. The
  database must be empty unless ``replace=True``.

A backup is written to ``PATH.partial`` and renamed when complete, so PATH is either a
whole backup or absent. Search indexes are not in a backup: ``paperwire index`` rebuilds
them from the papers.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paperwire.errors import StoreError
from paperwire.store.migrations import SQLITE as KNOWN_MIGRATIONS
from paperwire.store.transfer import (
    CopyResult,
    Progress,
    check_levels,
    copy_database,
    filled_tables,
    migrate_target,
    plan_tables,
    run_copy,
    same_database,
    say_counts,
)
from paperwire.store.transfer_sides import (
    MIGRATIONS_TABLE,
    PostgresSide,
    Side,
    SQLiteSide,
    open_side,
)

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"
FORMATS = ("auto", "sqlite", "pg_dump")


@dataclass
class BackupResult:
    path: Path
    format: str  # "sqlite" or "pg_dump"
    seconds: float
    size: int
    tables: dict[str, int] = field(default_factory=dict)  # rows a table (SQLite backups)
    note: str = ""  # why a PostgreSQL backup is not a pg_dump file

    def as_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "format": self.format,
            "seconds": round(self.seconds, 3),
            "bytes": self.size,
            "rows": sum(self.tables.values()),
            "tables": self.tables,
            "note": self.note,
        }


@dataclass
class RestoreResult:
    path: Path
    format: str
    target: str
    seconds: float
    tables: dict[str, int]
    copy: CopyResult | None = None  # the table copy of a SQLite backup

    @property
    def is_equal(self) -> bool:
        return self.copy is None or self.copy.is_equal

    def as_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "format": self.format,
            "target": self.target,
            "seconds": round(self.seconds, 3),
            "rows": sum(self.tables.values()),
            "equal": self.is_equal,
            "tables": self.tables,
        }


def table_counts(side: Side) -> dict[str, int]:
    return {
        name: side.count(table) for name, table in side.tables().items() if name != MIGRATIONS_TABLE
    }


def _remove(path: Path) -> None:
    for leftover in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))):
        leftover.unlink(missing_ok=True)


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        tail = " ".join(done.stderr.strip().splitlines()[-3:])
        raise StoreError(f"{what} failed ({done.returncode}): {tail}")


def pg_dump_tool(side: PostgresSide) -> tuple[str | None, str]:
    """The ``pg_dump`` that can dump this server, or None and why not."""
    exe = shutil.which("pg_dump")
    if exe is None:
        return None, "pg_dump is not on PATH"
    shown = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False)
    found = re.search(r"(\d+)(?:\.\d+)", shown.stdout)
    major, server = (int(found.group(1)) if found else 0), side.server_major()
    if major < server:
        return None, f"pg_dump {major} cannot dump a PostgreSQL {server} server"
    return exe, ""


def backup_database(
    url: str,
    path: Path,
    *,
    kind: str = "auto",
    progress: Callable[[Progress], None] | None = None,
) -> BackupResult:
    """Back up the database at ``url`` into the new file ``path`` (see the module's
    docstring); ``kind``: ``auto``, ``sqlite`` (the portable file) or ``pg_dump``."""
    if kind not in FORMATS:
        raise StoreError(f"unknown backup format {kind!r}: expected one of {', '.join(FORMATS)}")
    if path.exists():
        raise StoreError(f"{path} exists: a backup never replaces a file; choose a new name")
    if not path.parent.is_dir():
        raise StoreError(f"no folder {path.parent} to write the backup into")
    partial = path.with_name(path.name + ".partial")
    _remove(partial)
    started = time.perf_counter()
    chosen, note = "sqlite", ""
    try:
        source = open_side(url)
        try:
            if isinstance(source, SQLiteSide):
                if kind == "pg_dump":
                    raise StoreError("pg_dump backs up PostgreSQL; this database is SQLite")
                source.backup_to(partial)
            elif isinstance(source, PostgresSide):
                exe, note = pg_dump_tool(source) if kind != "sqlite" else (None, "")
                if exe is None and kind == "pg_dump":
                    raise StoreError(note)
                if exe is not None:
                    conninfo, env = source.tool_arguments()
                    command = [exe, "--format=custom", "--no-password", f"--file={partial}"]
                    _run([*command, f"--dbname={conninfo}"], env, "pg_dump")
                    chosen = "pg_dump"
        finally:
            source.close()
        if isinstance(source, PostgresSide) and chosen == "sqlite":
            copied = copy_database(url, f"sqlite:///{partial}", progress=progress)
            if not copied.is_equal:
                raise StoreError(f"the backup of {source.where} does not match it")
            conn = sqlite3.connect(partial)
            conn.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            conn.close()
        partial.replace(path)
    except BaseException:
        _remove(partial)
        raise
    tables: dict[str, int] = {}
    if chosen == "sqlite":
        written = SQLiteSide(f"sqlite:///{path}")
        try:
            tables = table_counts(written)
        finally:
            written.close()
    seconds = time.perf_counter() - started
    return BackupResult(path, chosen, seconds, path.stat().st_size, tables, note)


def _not_empty(where: str, filled: dict[str, int]) -> StoreError:
    return StoreError(
        f"{where} is not empty ({say_counts(filled)}): restore into an empty database, "
        "or add --force --yes to replace what it holds"
    )


def backup_format(path: Path) -> str:
    """``sqlite`` or ``pg_dump``, from the file's first bytes."""
    if not path.is_file():
        raise StoreError(f"no backup at {path}")
    with path.open("rb") as f:
        head = f.read(len(SQLITE_HEADER))
    if head.startswith(SQLITE_HEADER):
        return "sqlite"
    if head.startswith(PG_DUMP_HEADER):
        return "pg_dump"
    raise StoreError(f"{path} is neither a SQLite backup nor a pg_dump file")


def restore_database(
    path: Path,
    url: str,
    *,
    replace: bool = False,
    progress: Callable[[Progress], None] | None = None,
) -> RestoreResult:
    """Restore the backup at ``path`` into the database at ``url`` (see the module's
    docstring); ``replace``: delete what the database holds first."""
    started = time.perf_counter()
    if backup_format(path) == "pg_dump":
        tables, where = _pg_restore(path, url, replace=replace)
        return RestoreResult(path, "pg_dump", where, time.perf_counter() - started, tables)
    source_url = f"sqlite:///{path}"
    if same_database(source_url, url):
        raise StoreError(f"{path} is the configured database itself")
    with tempfile.TemporaryDirectory(prefix="paperwire-restore-") as tmp:
        source: Side = open_side(source_url)
        try:
            applied = check_levels(source)
            if {name for name, _ in KNOWN_MIGRATIONS} - applied:  # older: upgrade a copy
                upgraded = Path(tmp) / "backup.db"
                assert isinstance(source, SQLiteSide)
                source.backup_to(upgraded)
                source.close()
                migrate_target(f"sqlite:///{upgraded}")
                source = open_side(f"sqlite:///{upgraded}")
            migrate_target(url)
            target = open_side(url)
            try:
                filled = filled_tables(target, plan := plan_tables(source, target))
                if filled and not replace:
                    raise _not_empty(target.where, filled)
                if filled:
                    target.clear([p.name for p in reversed(plan)])
                copied = run_copy(source, target, progress=progress)
            finally:
                target.close()
        finally:
            source.close()
    tables = {t.name: t.target_rows for t in copied.tables}
    seconds = time.perf_counter() - started
    return RestoreResult(path, "sqlite", copied.target, seconds, tables, copied)


def _pg_restore(path: Path, url: str, *, replace: bool) -> tuple[dict[str, int], str]:
    if not url.startswith(("postgresql://", "postgres://")):
        raise StoreError(f"{path} is a pg_dump file: it restores into PostgreSQL only")
    target = open_side(url)
    try:
        assert isinstance(target, PostgresSide)
        exe = shutil.which("pg_restore")
        if exe is None:
            raise StoreError(
                "pg_restore is not on PATH: install the PostgreSQL client of the server's "
                "version to restore a pg_dump file"
            )
        has_tables = bool(target.tables())
        filled = {name: n for name, n in table_counts(target).items() if n}
        if filled and not replace:
            raise _not_empty(target.where, filled)
        conninfo, env = target.tool_arguments()
    finally:
        target.close()
    command = [exe, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"]
    command += ["--no-password", f"--dbname={conninfo}"]
    if has_tables:  # what the dump creates is dropped first (in the same transaction)
        command += ["--clean", "--if-exists"]
    _run([*command, str(path)], env, "pg_restore")
    migrate_target(url)  # a dump from an older paperwire is brought up to date
    restored = open_side(url)
    try:
        return table_counts(restored), restored.where
    finally:
        restored.close()
