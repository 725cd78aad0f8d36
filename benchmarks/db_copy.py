"""How fast ``paperwire db copy`` moves an instance, table by table.

    python benchmarks/db_copy.py --from URL --to URL [--batch-size N] [--resume]

Copies the instance at ``--from`` into ``--to`` (created and migrated, empty) exactly as
the command does, then prints for each table with rows its rows, seconds and rows/s,
and for the whole copy the rows, the seconds of the copy itself and of the check
(counts and checksums of both ends) and whether they are equal.

An instance to copy: ``paperwire --database-url sqlite:///sample.db import`` of the
bundled sample (``paperwire up`` offline loads it too), or of the 74,728-paper corpus
(``../shared/data/arxiv_daily_cs_2025_2026.jsonl.gz``).
"""

from __future__ import annotations

import argparse
import sys
import time

from paperwire.errors import PaperwireError
from paperwire.store.transfer import BATCH, Progress, copy_database


class Clock:
    """When each table's copy ended (the check of all tables comes after the last)."""

    def __init__(self) -> None:
        self.ended_at: float | None = None

    def __call__(self, progress: Progress) -> None:
        if progress.is_finished:
            self.ended_at = time.perf_counter()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--from", dest="source", required=True, metavar="URL")
    parser.add_argument("--to", dest="target", required=True, metavar="URL")
    parser.add_argument("--batch-size", type=int, default=BATCH)
    parser.add_argument("--resume", action="store_true")
    args = parser.parse_args()
    clock = Clock()
    started = time.perf_counter()
    try:
        result = copy_database(
            args.source, args.target, batch_size=args.batch_size, resume=args.resume, progress=clock
        )
    except PaperwireError as exc:
        sys.exit(f"error: {exc}")
    ended = time.perf_counter()
    copying = (clock.ended_at or ended) - started
    print(f"{'table':<22} {'rows':>10} {'seconds':>9} {'rows/s':>10}")
    for table in result.tables:
        if table.rows:
            rate = table.copied / table.seconds if table.seconds else 0.0
            print(f"{table.name:<22} {table.rows:>10,} {table.seconds:>9.2f} {rate:>10,.0f}")
    print(f"{'all':<22} {result.rows:>10,} {copying:>9.2f} {result.rows / copying:>10,.0f}")
    checking = ended - started - copying
    print(f"migrate + copy: {copying:.2f} s; check (counts, checksums): {checking:.2f} s")
    print(f"batch size {args.batch_size}; equal: {result.is_equal}")
    if not result.is_equal:
        sys.exit(1)


if __name__ == "__main__":
    main()
