"""How long a new day of papers takes to be found by search while the quality tier
backfills the whole corpus.

    python benchmarks/fresh_while_filling.py                   # the corpus's last day
    python benchmarks/fresh_while_filling.py --workdir /tmp/fresh   # keep, reuse

1. The 74,728-paper corpus without the papers first announced on its last day (``--day``)
   is imported into a SQLite database and indexed as ``paperwire index`` does (keyword
   index, fast vectors, similar papers, topics): a new install before its quality tier.
2. A real ``paperwire worker --no-fetch`` starts on it with the shipped schedules, except
   that the quality job runs every minute and for up to an hour a run (so the backfill is
   under way at once); the benchmark waits until quality vectors are being stored.
3. A searcher that lives through the whole run (as a web process's does) is opened.
4. The held-back day is imported (``paperwire import``, another process), and each of its
   papers is searched for by its title (hybrid, the first 10 results of the index:
   ``Searcher.search_index``, without the rule that puts a paper whose whole title is
   the query first, which finds a paper as soon as it is stored) every second until all
   are found.

Prints the seconds from the end of the import until the first, half and all of the day's
papers were found, how many quality vectors the backfill stored meanwhile, and the
worker's log lines of its index runs. The index job runs every minute (the shipped
``worker_index_cron``), so a paper waits up to a minute for it; its run time is in the log.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from paperwire.config import Settings
from paperwire.index.jobs import update_index
from paperwire.index.search import Searcher
from paperwire.index.tiers import QUALITY
from paperwire.ingest import import_files
from paperwire.store import open_store

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
CORPUS = SHARED / "arxiv_daily_cs_2025_2026.jsonl.gz"


def first_day(record: dict[str, object]) -> str:
    days = record.get("feed_dates") or []
    return str(min(days)) if isinstance(days, list) and days else ""


def split(corpus: Path, day: str | None, folder: Path) -> tuple[Path, Path, str]:
    """The corpus without ``day``'s new papers, and those papers, as two files."""
    with gzip.open(corpus, "rt", encoding="utf-8") as f:
        lines = [line for line in f if line.strip()]
    day = day or max(first_day(json.loads(line)) for line in lines)
    before, new = folder / "before.jsonl.gz", folder / f"day-{day}.jsonl.gz"
    with (
        gzip.open(before, "wt", encoding="utf-8") as old,
        gzip.open(new, "wt", encoding="utf-8") as fresh,
    ):
        for line in lines:
            (fresh if first_day(json.loads(line)) == day else old).write(line)
    return before, new, day


def titles_of(path: Path) -> dict[str, str]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return {r["id"]: " ".join(r["title"].split()) for r in map(json.loads, f)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--day", help="the day held back (default: the corpus's last)")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    folder = args.workdir or Path(tempfile.mkdtemp(prefix="paperwire-fresh-"))
    folder.mkdir(parents=True, exist_ok=True)
    before, new, day = split(args.corpus, args.day, folder)
    titles = titles_of(new)
    url = f"sqlite:///{folder}/paperwire.db"
    settings = Settings(database_url=url, index_dir=str(folder / "index"))
    env = {**os.environ, "PAPERWIRE_DATABASE_URL": url, "PAPERWIRE_INDEX_DIR": settings.index_dir}
    store = open_store(url)
    store.migrate()
    if store.count_papers() == 0:
        started = time.perf_counter()
        assert import_files(store, [before]).ok
        report = update_index(store, settings)
        print(
            f"before {day}: {store.count_papers():,} papers imported and indexed in "
            f"{time.perf_counter() - started:.0f} s ({report.summary()})",
            flush=True,
        )
    elif store.count_vectors(QUALITY) or store.get_papers(list(titles)[:1]):
        raise SystemExit(f"{folder} was used by an earlier run: give a new --workdir")

    worker_env = {
        **env,
        "PAPERWIRE_WORKER_QUALITY_CRON": "* * * * *",
        "PAPERWIRE_WORKER_QUALITY_MINUTES": "60",
    }
    log = (folder / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "paperwire", "worker", "--no-fetch"],
        env=worker_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while store.count_vectors(QUALITY) == 0:
            if time.monotonic() > deadline or worker.poll() is not None:
                raise SystemExit("the quality backfill did not start: see worker.log")
            time.sleep(1)
        searcher = Searcher(store, settings)
        searcher.search("warm up", limit=10)
        filled_before = store.count_vectors(QUALITY)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "paperwire", "import", str(new)],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        imported = time.perf_counter()
        print(
            f"{day}: {len(titles)} new papers imported in {imported - started:.1f} s "
            f"while the backfill runs ({filled_before:,} quality vectors so far)",
            flush=True,
        )
        found: dict[str, float] = {}
        while len(found) < len(titles) and time.perf_counter() - imported < args.timeout:
            for pid, title in titles.items():
                if pid not in found:
                    hits = searcher.search_index(title, limit=10)
                    if pid in {h.paper_id for h in hits}:
                        found[pid] = time.perf_counter() - imported
            time.sleep(1)
        filled = store.count_vectors(QUALITY) - filled_before
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=120)
        log.close()
    times = sorted(found.values())
    if not times:
        raise SystemExit(f"none of the {len(titles)} papers was found in {args.timeout:.0f} s")
    print(
        f"found by title: {len(times)}/{len(titles)}; first {times[0]:.1f} s, half "
        f"{times[len(times) // 2]:.1f} s, last found {times[-1]:.1f} s after the import; "
        f"{filled:,} quality vectors stored meanwhile",
        flush=True,
    )
    for line in (folder / "worker.log").read_text().splitlines():
        if "index" in line and ("indexed" in line or "papers" in line):
            print("  worker:", line.strip())


if __name__ == "__main__":
    main()
