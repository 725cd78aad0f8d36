"""Digest fan-out: compose 100,000 personal digests over the full corpus, then send.

    python benchmarks/digest_fanout.py [--subscribers N] [--send N] [--workdir DIR]
        [--topic-search keyword|hybrid] [--workers N]

1. Imports the 74,728-paper corpus into a SQLite file and builds the search index
   (``--workdir`` keeps them for the next run; each run works on a fresh copy).
2. Adds N confirmed subscribers (default 100,000), each with 1 to 3 random topics drawn
   from phrases of real titles (the most frequent title bigrams and words), and 0 to 2
   categories.
3. Times composing every digest of the latest day: trending from stored scores, one
   search per distinct topic (``--topic-search``, keyword by default, as paperwire
   composes), then choosing each subscriber's papers and writing one outbox row per
   digest (in ``--workers`` processes, default 1, while this one writes the rows).
4. Times sending ``--send`` of them (default 20,000), each rendered from its outbox row,
   through one SMTP connection to a local aiosmtpd (another process) that discards what
   it receives.

The load average (``os.getloadavg``) is printed next to each figure: the machine may be
shared.

Targets: composing all digests in <= 60 s, sending >= 300 messages/s (2 cores).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from paperwire.config import Settings
from paperwire.digest.compose import Composer, latest_period
from paperwire.digest.outbox import compose_outbox
from paperwire.digest.send import send_outbox
from paperwire.index.jobs import update_index
from paperwire.ingest import import_files
from paperwire.normalize import utcnow
from paperwire.store import Store, open_store
from paperwire.store.base_digests import Preferences

CORPUS = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "arxiv_daily_cs_2025_2026.jsonl.gz"
)
STOP = set(
    """a an the of for and in on with to via from by at as is are be into towards toward
    using based its their or not your our we can do does how what when why which""".split()
)
CATEGORIES = ["cs.CV", "cs.CL", "cs.LG", "cs.AI", "cs.RO", "eess.IV"]


def prepare(workdir: Path) -> None:
    db = workdir / "paperwire.db"
    if db.exists():
        print(f"corpus: reusing {db}")
        return
    settings = Settings(database_url=f"sqlite:///{db}")
    store = open_store(settings.database_url)
    store.migrate()
    started = time.perf_counter()
    report = import_files(store, [CORPUS])
    print(f"corpus: {report.summary()} in {time.perf_counter() - started:.1f} s")
    index = update_index(store, settings)
    print(f"corpus: {index.summary()}")
    store.close()


def fresh_copy(workdir: Path, run: Path) -> Settings:
    shutil.copy2(workdir / "paperwire.db", run / "paperwire.db")
    shutil.copytree(workdir / "paperwire.index", run / "paperwire.index")
    return Settings(
        database_url=f"sqlite:///{run / 'paperwire.db'}",
        secret_key="benchmark",
        base_url="https://papers.example.org",
        digest_send_rate=0,
    )


def vocabulary(store: Store, size: int) -> list[str]:
    """The most frequent two-word phrases and words of real titles."""
    words: Counter[str] = Counter()
    pairs: Counter[str] = Counter()
    for paper in store.iter_papers(batch_size=5000):
        tokens = re.findall(r"[a-z][a-z\-]+", paper.title.lower())
        for a, b in zip(tokens, tokens[1:], strict=False):
            if a not in STOP and b not in STOP and len(a) > 2 and len(b) > 2:
                pairs[f"{a} {b}"] += 1
        words.update(t for t in tokens if t not in STOP and len(t) > 3)
    phrases = [p for p, _ in pairs.most_common(size * 3 // 4)]
    phrases += [w for w, _ in words.most_common(size) if w not in phrases][: size - len(phrases)]
    return phrases


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--send", type=int, default=20_000, help="How many digests to send.")
    parser.add_argument("--vocabulary", type=int, default=2_000, help="Distinct topic phrases.")
    parser.add_argument("--workdir", type=Path, help="Keep the imported corpus here.")
    parser.add_argument("--workers", type=int, default=1, help="Composing processes.")
    parser.add_argument("--topic-search", choices=["keyword", "hybrid"], default="keyword")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="paperwire-fanout-") as tmp:
        workdir = args.workdir or Path(tmp) / "corpus"
        workdir.mkdir(parents=True, exist_ok=True)
        prepare(workdir)
        run = Path(tmp) / "run"
        run.mkdir()
        settings = fresh_copy(workdir, run)
        store = open_store(settings.database_url)
        store.migrate()
        phrases = vocabulary(store, args.vocabulary)
        rows = [
            (
                f"reader{n:06d}@example.org",
                Preferences(
                    "daily",
                    rng.sample(CATEGORIES, rng.choice([0, 0, 1, 2])),
                    rng.sample(phrases, rng.randint(1, 3)),
                ),
            )
            for n in range(args.subscribers)
        ]
        started = time.perf_counter()
        store.add_subscribers(rows, now=utcnow())
        print(f"subscribers: {args.subscribers:,} added in {time.perf_counter() - started:.1f} s")
        period = latest_period(store, "daily")
        assert period is not None
        papers = len(store.list_papers(day=period.start, until=period.end, limit=100_000))
        distinct = len({t.lower() for _, p in rows for t in p.topics})
        print(f"period: {period.key}, {papers} papers; {distinct:,} distinct topics")

        subscribers = store.subscribers(frequency="daily")
        before = load()
        started = time.perf_counter()
        composer = Composer(store, settings, period, search_mode=args.topic_search)
        report = compose_outbox(
            store,
            settings,
            period=period,
            subscribers=subscribers,
            workers=args.workers,
            composer=composer,
        )
        compose_seconds = time.perf_counter() - started
        print(f"compose: {report.summary()}")
        print(
            f"COMPOSE: {report.composed:,} digests in {compose_seconds:.1f} s "
            f"({report.composed / compose_seconds:,.0f}/s; target: all in <= 60 s);"
            f" {args.topic_search} topic search; load average {before} -> {load()}"
        )

        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
             "-c", "aiosmtpd.handlers.Sink"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            smtp = settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{port}"})
            before = load()
            sent = send_outbox(store, smtp, limit=args.send)
            print(f"send: {sent.summary()}")
            print(
                f"SEND: {sent.sent:,} messages in {sent.seconds:.1f} s = "
                f"{sent.sent / sent.seconds:,.0f} messages/s (target: >= 300/s);"
                f" load average {before} -> {load()}"
            )
        finally:
            server.terminate()
            server.wait(10)
            store.close()


if __name__ == "__main__":
    main()
