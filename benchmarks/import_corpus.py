"""Import the daily arXiv corpus into a fresh database and compare with the floor.

    python benchmarks/import_corpus.py [PATH] [--runs N] [--backends sqlite postgresql]

Prints papers/s for ``paperwire.ingest.import_files`` into a new database of each
backend (SQLite: a file; PostgreSQL: a server on loopback, see ``benchmarks/backends.py``)
and, in the same run, the floor: the same lines decoded with ``json.loads`` and written
with one bare ``executemany`` into a plain SQLite table (no keys, no indexes), timed with
and without the decoding.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from backends import NAMES, Backends

from paperwire.ingest import import_files
from paperwire.store import open_store

DEFAULT = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "arxiv_daily_cs_2025_2026.jsonl.gz"
)
FIELDS = ("id", "title", "authors", "categories", "summary", "comment", "abs", "pdf", "feed_dates")


def run_import(path: Path, url: str) -> tuple[float, int]:
    store = open_store(url)
    store.migrate()
    start = time.perf_counter()
    report = import_files(store, [path])
    elapsed = time.perf_counter() - start
    assert report.ok, report.summary()
    count = store.count_papers()
    store.close()
    return elapsed, count


def run_floor(path: Path, folder: Path) -> tuple[float, float]:
    conn = sqlite3.connect(folder / "floor.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute(f"CREATE TABLE plain ({', '.join(FIELDS)})")
    start = time.perf_counter()
    rows = []
    with gzip.open(path, "rb") as f:
        for line in f:
            record = json.loads(line)
            rows.append(
                tuple(
                    json.dumps(v) if isinstance(v, list) else v
                    for v in (record.get(k) for k in FIELDS)
                )
            )
    decoded = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(f"INSERT INTO plain VALUES ({', '.join('?' * len(FIELDS))})", rows)
    conn.execute("COMMIT")
    end = time.perf_counter()
    conn.close()
    return end - start, end - decoded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backends", nargs="+", default=["sqlite"], choices=NAMES)
    parser.add_argument("--postgres-url", help="an existing server (default: one on loopback)")
    args = parser.parse_args()
    imports: dict[str, list[float]] = {name: [] for name in args.backends}
    floors, inserts = [], []
    count = 0
    with Backends(args.backends, args.postgres_url) as backends:
        for _ in range(args.runs):
            for name in args.backends:
                with tempfile.TemporaryDirectory() as tmp:
                    elapsed, count = run_import(args.path, backends.url(name, Path(tmp)))
                    imports[name].append(elapsed)
            with tempfile.TemporaryDirectory() as tmp:
                floor, insert = run_floor(args.path, Path(tmp))
                floors.append(floor)
                inserts.append(insert)
    t_floor = statistics.median(floors)
    t_insert = statistics.median(inserts)
    print(f"papers imported:         {count}")
    for name in args.backends:
        t_import = statistics.median(imports[name])
        print(f"import into {name:<12} {t_import:.2f} s  ({count / t_import:,.0f} papers/s)")
    print(f"floor (decode + insert): {t_floor:.2f} s  ({count / t_floor:,.0f} rows/s)")
    print(f"floor (insert only):     {t_insert:.2f} s  ({count / t_insert:,.0f} rows/s)")
    for name in args.backends:
        t_import = statistics.median(imports[name])
        print(f"{name} import / floor:  {t_import / t_floor:.2f}x")
    if len(args.backends) == 2:
        a, b = (statistics.median(imports[n]) for n in args.backends)
        print(f"{args.backends[1]} / {args.backends[0]} import time: {b / a:.2f}x")
    print(f"median of {args.runs} runs")


if __name__ == "__main__":
    main()
