"""How long a reader's write (an upvote) waits while whole files are imported beside it.

    python benchmarks/write_wait.py [PATH] [--imports N] [--every SECONDS]

Starts ``N`` runs of ``paperwire import PATH`` (default: the 74,728-paper corpus) in
subprocesses on one fresh SQLite file, and meanwhile upvotes (and takes back) a paper
every ``--every`` seconds from this process, as the web does. Prints how long the writes
took (p50, p99, max), how many found the database busy (the web answers those 503),
and whether every import finished with every paper stored.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from paperwire.errors import StoreBusy
from paperwire.models import Paper
from paperwire.store import open_store

DEFAULT = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "arxiv_daily_cs_2025_2026.jsonl.gz"
)


def count_lines(path: Path) -> int:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        return sum(1 for line in f if line.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--imports", type=int, default=1)
    parser.add_argument("--every", type=float, default=0.02)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'paperwire.db'}"
        store = open_store(url)
        store.migrate()
        store.upsert_papers([Paper(id="2601.99999", title="Upvoted", abstract="A paper.")])
        user = store.add_user("reader@example.org", role="reader", now=datetime.now(UTC))
        cmd = [sys.executable, "-m", "paperwire", "--database-url", url, "import", str(args.path)]
        started = time.perf_counter()
        runs = [
            subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(args.imports)
        ]
        waits: list[float] = []
        busy = 0
        flip = True
        while any(run.poll() is None for run in runs):
            began = time.perf_counter()
            try:
                if flip:
                    store.add_upvote(user.id, "2601.99999", now=datetime.now(UTC))
                else:
                    store.remove_upvote(user.id, "2601.99999")
                flip = not flip
            except StoreBusy:
                busy += 1
            waits.append(time.perf_counter() - began)
            time.sleep(args.every)
        elapsed = time.perf_counter() - started
        outputs = [run.communicate() for run in runs]
        papers = store.count_papers()
        store.close()
    expected = count_lines(args.path) + 1
    waits.sort()
    ms = [1000 * w for w in waits]
    print(f"imports:          {args.imports} at once, {elapsed:.1f} s in all")
    for run, (out, err) in zip(runs, outputs, strict=True):
        last = err.decode().strip().splitlines()[-1:] if run.returncode else []
        print(f"  exit {run.returncode}: {out.decode().strip()} {' '.join(last)}")
    print(f"papers stored:    {papers} (expected {expected})")
    print(
        f"upvote writes:    {len(ms)}, p50 {statistics.median(ms):.1f} ms, "
        f"p99 {ms[int(0.99 * (len(ms) - 1))]:.1f} ms, max {ms[-1]:.1f} ms, busy (503) {busy}"
    )


if __name__ == "__main__":
    main()
