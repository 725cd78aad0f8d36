"""Moving and keeping an instance's data: ``copy_database`` (between backends, resumable,
checked by counts and checksums), ``backup_database`` and ``restore_database``.

The copy works on tables, not on the ``Store`` classes (``transfer_sides`` has one
adapter per backend): the target is migrated by its own store first and must then be at
the source's migration level; tables go in the order of their foreign keys, each read in
key order in batches from ONE snapshot of the source (a copy of a running instance shows
one moment) and written in batches, each batch committed. A copy that stops part way is
continued with ``resume=True``: each table goes on after the largest key the target has.

The checksum of a table is the sum (mod 2**128) of the SHA-256 of each row's values,
normalised so that SQLite and PostgreSQL agree (``transfer_sides.canon``); a sum does not
depend on the order in which a database sorts text.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from paperwire.errors import StoreError
from paperwire.store import open_store
from paperwire.store.migrations import SQLITE as KNOWN_MIGRATIONS
from paperwire.store.transfer_sides import (
    MIGRATIONS_TABLE,
    Column,
    Row,
    Side,
    Table,
    open_side,
    writer_for,
)
from paperwire.store.transfer_values import Convert, canon

BATCH = 2000
_MASK = (1 << 128) - 1


@dataclass
class Progress:
    table: str
    done: int
    total: int
    is_finished: bool


@dataclass
class TableResult:
    name: str
    rows: int  # in the source
    copied: int  # written by this run
    seconds: float
    target_rows: int = -1
    source_checksum: str = ""
    target_checksum: str = ""

    @property
    def is_equal(self) -> bool:
        return self.rows == self.target_rows and self.source_checksum == self.target_checksum


@dataclass
class CopyResult:
    source: str
    target: str
    tables: list[TableResult] = field(default_factory=list)
    seconds: float = 0.0
    is_finished: bool = False

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    @property
    def is_equal(self) -> bool:
        return self.is_finished and all(t.is_equal for t in self.tables)

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "finished": self.is_finished,
            "equal": self.is_equal,
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
            "tables": [
                {
                    "name": t.name,
                    "rows": t.rows,
                    "copied": t.copied,
                    "target_rows": t.target_rows,
                    "seconds": round(t.seconds, 3),
                    "source_checksum": t.source_checksum,
                    "target_checksum": t.target_checksum,
                    "equal": t.is_equal,
                }
                for t in self.tables
            ],
        }


class Checksum:
    """The order-free checksum of one table's rows (see the module's docstring)."""

    def __init__(self, normalise: Sequence[Convert | None]) -> None:
        self.normalise = list(normalise) if any(normalise) else None
        self.total = 0

    def add(self, rows: Iterable[Row]) -> None:
        total = self.total
        for row in rows:
            if self.normalise:
                row = tuple(f(v) if f else v for f, v in zip(self.normalise, row, strict=True))
            total += int.from_bytes(hashlib.sha256(repr(row).encode()).digest()[:16], "big")
        self.total = total & _MASK

    def hex(self) -> str:
        return f"{self.total:032x}"


@dataclass
class Pair:
    """One table on both ends: the columns to copy (in the same order on each) and the
    key to copy in the order of."""

    source: Table
    target: Table
    source_columns: list[str]
    target_columns: list[str]
    key: list[str]
    target_key: list[str]
    normalise: list[Convert | None]
    convert: list[Convert | None]

    @property
    def name(self) -> str:
        return self.source.name

    def converted(self, rows: list[Row]) -> list[Row]:
        if not any(self.convert):
            return rows
        fs = self.convert
        return [tuple(f(v) if f else v for f, v in zip(fs, row, strict=True)) for row in rows]


def _pair_columns(s: Table, d: Table) -> list[tuple[Column, Column]]:
    """Columns matched by name; SQLite's hidden row number goes to the column only the
    other end has that a sequence fills (a PostgreSQL identity column), or is left out."""
    s_cols = {c.name: c for c in s.columns if not c.hidden}
    d_cols = {c.name: c for c in d.columns if not c.hidden}
    pairs = [(s_cols[n], d_cols[n]) for n in s_cols if n in d_cols]
    missing = [n for n in s_cols if n not in d_cols]
    extra = [n for n in d_cols if n not in s_cols]
    s_rowid = next((c for c in s.columns if c.hidden), None)
    d_rowid = next((c for c in d.columns if c.hidden), None)
    if s_rowid and d_rowid:
        pairs.insert(0, (s_rowid, d_rowid))
    elif s_rowid and len(serial := [n for n in extra if d_cols[n].serial]) == 1:
        pairs.insert(0, (s_rowid, d_cols[serial[0]]))
        extra.remove(serial[0])
    elif d_rowid and len(serial := [n for n in missing if s_cols[n].serial]) == 1:
        pairs.insert(0, (s_cols[serial[0]], d_rowid))
        missing.remove(serial[0])
    if missing:
        raise StoreError(f"table {s.name}: the target has no column {', '.join(missing)}")
    if required := [n for n in extra if not d_cols[n].optional]:
        raise StoreError(f"table {s.name}: the source has no column {', '.join(required)}")
    return pairs


def plan_tables(source: Side, target: Side) -> list[Pair]:
    """The tables to copy, each after the tables it refers to."""
    s_tables, d_tables = source.tables(), target.tables()
    plan: dict[str, Pair] = {}
    write = writer_for(target)
    for name, s in s_tables.items():
        if name == MIGRATIONS_TABLE:
            continue
        if name not in d_tables:
            if source.count(s):
                raise StoreError(f"table {name} of the source has no place in {target.where}")
            continue
        d = d_tables[name]
        pairs = _pair_columns(s, d)
        names = {a.name: b.name for a, b in pairs}
        key = s.key if all(k in names for k in s.key) else []
        if not key and pairs[0][0].hidden and pairs[0][1].hidden:
            key = ["rowid"]  # SQLite to SQLite: a table without a key goes by row number
        plan[name] = Pair(
            s,
            d,
            [a.name for a, _ in pairs],
            [b.name for _, b in pairs],
            key,
            [names[k] for k in key],
            [canon(a.kind, b.kind) for a, b in pairs],
            [write(a.kind, b.kind) for a, b in pairs],
        )
    ordered: list[str] = []

    def visit(name: str, path: frozenset[str]) -> None:
        if name in ordered or name in path:
            return
        refs = plan[name].source.references | plan[name].target.references
        for other in sorted(refs & plan.keys()):
            visit(other, path | {name})
        ordered.append(name)

    for name in plan:
        visit(name, frozenset())
    return [plan[name] for name in ordered]


def check_levels(source: Side, target: Side | None = None) -> set[str]:
    """The source's migrations; an error when they are not those of this paperwire (or,
    with ``target``, of the migrated target)."""
    applied = source.migrations()
    if applied is None:
        raise StoreError(f"{source.where} is not a paperwire database (no {MIGRATIONS_TABLE})")
    known = {name for name, _ in KNOWN_MIGRATIONS}
    if unknown := sorted(applied - known):
        raise StoreError(
            f"{source.where} is at migration {unknown[-1]}, newer than this paperwire knows "
            f"({max(known)}): use the paperwire that wrote it, or a newer one"
        )
    if target is not None:
        have = target.migrations() or set()
        if lacking := sorted(have - applied):
            raise StoreError(
                f"{source.where} lacks the migrations {', '.join(lacking)}: "
                "run `paperwire db migrate` on it first"
            )
        if lacking := sorted(applied - have):
            raise StoreError(f"{target.where} lacks the migrations {', '.join(lacking)}")
    return applied


def migrate_target(url: str) -> None:
    """Create or upgrade the target with its own store."""
    store = open_store(url)
    try:
        store.migrate()
    finally:
        store.close()


def filled_tables(side: Side, plan: Sequence[Pair]) -> dict[str, int]:
    counts = {p.name: side.count(p.target) for p in plan}
    return {name: n for name, n in counts.items() if n}


def say_counts(counts: dict[str, int]) -> str:
    shown = ", ".join(f"{name}: {n}" for name, n in list(counts.items())[:4])
    return shown + (", ..." if len(counts) > 4 else "")


def run_copy(
    source: Side,
    target: Side,
    *,
    resume: bool = False,
    batch_size: int = BATCH,
    max_batches: int | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> CopyResult:
    """Copy every table of ``source`` into ``target`` (both open, the target migrated)."""
    started = time.perf_counter()
    check_levels(source, target)
    plan = plan_tables(source, target)
    filled = filled_tables(target, plan)
    if filled and not resume:
        raise StoreError(
            f"{target.where} is not empty ({say_counts(filled)}): copy into an empty database, "
            "or add --resume to continue an interrupted copy of this source"
        )
    result = CopyResult(source.where, target.where)
    target.make_indexes()  # those an interrupted copy had left out
    source.begin_snapshot()
    batches = 0
    for pair in plan:
        began = time.perf_counter()
        total = source.count(pair.source)
        checksum = Checksum(pair.normalise)
        after: Row | None = None
        have = filled.get(pair.name, 0)
        if have and pair.key:
            after = target.last_key(pair.target, pair.target_key)
            if source.count(pair.source, key=pair.key, upto=after) != have:
                raise StoreError(
                    f"{target.where} is not an interrupted copy of {source.where}: its table "
                    f"{pair.name} holds {have} rows the source does not have in that order"
                )
            for rows in source.read(pair.source, pair.source_columns, key=pair.key, upto=after):
                checksum.add(rows)
        elif have:
            target.clear([pair.name])  # a table without a key is copied again, whole
        done, copied = (have if pair.key else 0), 0
        for rows in source.read(
            pair.source, pair.source_columns, key=pair.key, after=after, batch=batch_size
        ):
            if max_batches is not None and batches >= max_batches:
                result.tables.append(TableResult(pair.name, total, copied, 0.0))
                result.seconds = time.perf_counter() - started
                return result
            checksum.add(rows)
            if not copied:
                target.defer_indexes(pair.target)
            try:
                target.write(pair.target, pair.target_columns, pair.converted(rows))
            except (sqlite3.Error, psycopg.Error) as exc:
                raise StoreError(
                    f"table {pair.name}: {target.where} refused a batch after row {done}: {exc}"
                ) from exc
            batches += 1
            done += len(rows)
            copied += len(rows)
            if progress:
                progress(Progress(pair.name, done, total, False))
        if copied:
            target.make_indexes(pair.target)
        seconds = time.perf_counter() - began
        result.tables.append(
            TableResult(pair.name, total, copied, seconds, source_checksum=checksum.hex())
        )
        if progress:
            progress(Progress(pair.name, done, total, True))
    floors = {}
    last_numbers = source.sequences()
    for pair in plan:  # the source's sequences, by the target's names
        names = dict(zip(pair.source_columns, pair.target_columns, strict=True))
        for (name, column), value in last_numbers.items():
            if name == pair.name and column in names:
                floors[(name, names[column])] = value
    target.set_sequences({p.name: p.target for p in plan}, floors)
    target.finish()
    for pair, table in zip(plan, result.tables, strict=True):
        table.target_rows = target.count(pair.target)
        checksum = Checksum(pair.normalise)
        for rows in target.read(pair.target, pair.target_columns, key=(), ordered=False):
            checksum.add(rows)
        table.target_checksum = checksum.hex()
    result.is_finished = True
    result.seconds = time.perf_counter() - started
    return result


def same_database(a: str, b: str) -> bool:
    if a.startswith("sqlite:///") and b.startswith("sqlite:///"):
        return Path(a[10:]).resolve() == Path(b[10:]).resolve()
    return a == b


def copy_database(
    source_url: str,
    target_url: str,
    *,
    resume: bool = False,
    batch_size: int = BATCH,
    max_batches: int | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> CopyResult:
    """Copy the instance at ``source_url`` into ``target_url`` (created and migrated
    first); see the module's docstring."""
    if same_database(source_url, target_url):
        raise StoreError("the source and the target are the same database")
    source = open_side(source_url)
    try:
        check_levels(source)
        open_side(target_url, create=True).close()  # a clear error for a bad target first
        migrate_target(target_url)
        target = open_side(target_url)
        try:
            return run_copy(
                source,
                target,
                resume=resume,
                batch_size=batch_size,
                max_batches=max_batches,
                progress=progress,
            )
        finally:
            target.close()
    finally:
        source.close()
