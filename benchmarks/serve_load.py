"""Load on the web server: requests/s, p50/p99 and errors, with wrk on loopback.

    python benchmarks/serve_load.py                       # import + index the corpus first
    python benchmarks/serve_load.py --database /tmp/pw    # reuse a folder from an earlier run
    python benchmarks/serve_load.py --database /tmp/pw --scenarios mixed search
    python benchmarks/serve_load.py --scenarios routes --routes home trending --duration 5
    python benchmarks/serve_load.py --database /tmp/pw --scenarios discussed discussed-signed-in

The 74,728-paper corpus (``../shared/data/arxiv_daily_cs_2025_2026.jsonl.gz``) is imported
and indexed (keyword index, fast vectors, similar papers) into a temporary database, or a
folder given with ``--database`` is used as it is (imported and indexed when it has no
papers yet). One paper, the first of the latest day, gets a discussion of 200 comments
(``seed_discussion``: 60 on the paper and 140 replies in threads up to five levels
deep, by 12 readers, in Markdown with math, code and links, 300 upvotes, one reader a
confirmed author; added once, kept in the folder). Then ``paperwire serve`` starts on
127.0.0.1 (its default number of workers, or ``--workers``) and wrk (``wrk -t2 --latency
--timeout 5s``) runs each scenario for ``--duration`` seconds with a Lua script rotating
through a fixed list of paths, each wrk thread starting at another place in it:

- ``mixed``: 150 clients; 25% ``/``, 15% ``/trending``, 25% ``/papers/{id}`` over 3,000
  real ids, 5% the discussed paper's page (``/papers/{id}`` and ``?sort=time``), 30%
  ``/api/v1/search?q=`` over 3,000 real queries, shuffled with a fixed seed. Target >=
  300 req/s, p99 <= 1 s, 0 errors;
- ``papers``: 32 clients on ``/papers/{id}`` over 3,000 real ids. Target >= 500 req/s,
  p99 <= 200 ms, 0 errors;
- ``search``: 32 clients on ``/api/v1/search?q=`` over 6,000 distinct real queries (2-4
  words of a real title, or 2-3 consecutive words of a real abstract; fixed seed): more
  than a run asks for, so no cache carries it. Target >= 150 req/s, p99 <= 300 ms,
  0 errors;
- ``discussed``: 32 clients on the discussed paper's page signed out (both sorts): what
  most readers of a busy discussion get (the response cache keeps the page until a
  write changes it);
- ``discussed-signed-in``: the same page for 32 clients with one reader's session
  cookie (one of the commenters): never cached, the whole thread rendered for each
  request with the reader's votes and forms;
- ``mixed-import``: ``mixed`` while ``paperwire import`` of the whole corpus runs beside
  it into the same database (it starts a second before wrk; its exit status and time are
  printed). Target p99 <= 2 s, 0 errors;
- ``routes``: the earlier route-by-route figures (``--routes``; ``--connections``
  clients, default 32): ``/``, ``/trending``, ``/papers/{id}`` (1,000 ids) and
  ``/api/v1/search`` (200 queries). Target for ``/`` and ``/trending``: >= 500 req/s,
  p99 <= 100 ms, 0 errors.

Before each scenario its first five paths of each kind are requested (a warm-up outside
the measurement: models and indexes are loaded, ``/`` and ``/trending`` rendered), so
figures are for a running server; the other ids and queries are first seen during the
run. Errors are socket errors (connect, read, write, timeout) plus answers >= 400 (wrk
counts every status above 399). Prints, per scenario: requests/s, p50, p99, max,
errors, and the response cache's hits and misses during the run (from /metrics), then a
table with the targets. The load average before and after is printed too: on a shared
machine, other work takes its share of the cores.

``--pythonpath DIR`` runs the server from another source tree (to compare with an
earlier version of the code).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
from backends import NAMES, Backends

from paperwire import discussion
from paperwire.auth.sessions import SESSION_COOKIE, start_session
from paperwire.config import Settings
from paperwire.index.jobs import update_index
from paperwire.ingest import import_files
from paperwire.models import Paper
from paperwire.rank.jobs import run_rank
from paperwire.signing import secret_key
from paperwire.store import open_store
from paperwire.store.transfer import copy_database

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "data" / "arxiv_daily_cs_2025_2026.jsonl.gz"
ROUTES = ("home", "trending", "paper", "search")
TARGET_RPS, TARGET_P99_MS = 500.0, 100.0
SCENARIOS = (
    "mixed",
    "papers",
    "search",
    "discussed",
    "discussed-signed-in",
    "mixed-import",
    "routes",
)
#: Per scenario: clients, and the target (req/s at least, p99 ms at most; 0 errors).
CLIENTS = {
    "mixed": 150,
    "papers": 32,
    "search": 32,
    "discussed": 32,
    "discussed-signed-in": 32,
    "mixed-import": 150,
}
TARGETS: dict[str, tuple[float, float]] = {
    "mixed": (300.0, 1000.0),
    "papers": (500.0, 200.0),
    "search": (150.0, 300.0),
    "mixed-import": (0.0, 2000.0),
}
#: The mix: share of each kind of path.
MIX = {"home": 0.25, "trending": 0.15, "paper": 0.25, "discussed": 0.05, "search": 0.30}
MIX_SIZE = 10_000
IDS, QUERIES = 3_000, 6_000
#: The seeded discussion: comments on the paper, replies, readers, upvotes.
TOP_LEVEL, REPLIES, READERS, VOTES = 60, 140, 12, 300

LUA = r"""
local paths = %(paths)s
local headers = %(headers)s
local counter = 0
local i = 0

function setup(thread)
  counter = counter + 1
  thread:set("offset", counter * 7919)
end

function init(args)
  i = offset or 0
end

function request()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1], headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nRESULT {"requests": %%d, "duration_us": %%d, "bytes": %%d, ' ..
    '"p50_us": %%d, "p99_us": %%d, "max_us": %%d, "mean_us": %%.1f, ' ..
    '"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99), latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def prepare(folder: Path, corpus: Path, *, index: bool = True) -> str:
    """The database URL of ``folder``, with the corpus imported, indexed (similar papers
    included) and ranked (only when ``index`` or the folder was empty)."""
    folder.mkdir(parents=True, exist_ok=True)
    db_url = f"sqlite:///{folder / 'paperwire.db'}"
    store = open_store(db_url)
    store.migrate()
    try:
        if store.count_papers() == 0:
            started = time.perf_counter()
            report = import_files(store, [corpus])
            print(f"import: {report.summary()} in {time.perf_counter() - started:.1f} s")
            index = True
        if index:
            started = time.perf_counter()
            done = update_index(store, Settings(database_url=db_url))
            print(f"index: {done.summary()} in {time.perf_counter() - started:.1f} s")
            print(f"rank: {run_rank(store, Settings(database_url=db_url))}")
        else:
            print("index: used as it is (--no-index)")
        print(f"papers: {store.count_papers():,}")
    finally:
        store.close()
    return db_url


#: Bodies of the seeded comments (Markdown with math, code, lists and links).
BODIES = (
    "Nice result. Does the bound in Theorem 2 still hold when $n \\to \\infty$?",
    "I tried the released code on a smaller dataset: the gain was about **2 points**, not 4.",
    "The ablation in Table 3 leaves out the obvious baseline:\n\n- plain fine-tuning\n"
    "- the same budget\n\nwithout those the comparison is hard to read.",
    "Related: [an earlier paper](https://arxiv.org/abs/2401.01234) makes the same point.",
    "The loss is $$\\mathcal{L} = \\sum_i \\log p(y_i \\mid x_i)$$ so this is maximum likelihood.",
    "Thanks, that answers it. A follow-up: what about `batch_size=1`?",
    "> the method is robust to noise\n\nOnly up to 10% label noise, judging by Figure 5.",
    "Agreed. The appendix has the details, section B.2.",
)


def seed_discussion(db_url: str, *, seed: int = 11) -> tuple[str, str]:
    """The discussed paper (the latest day's first) with its 200 comments made once, and
    a session cookie of one of its commenters (for the signed-in scenario)."""
    settings = Settings(
        database_url=db_url, comment_hold_days=0, comment_limit=100_000, upvote_limit=100_000
    )
    store = open_store(db_url)
    try:
        [paper] = store.list_papers(day=store.feed_days()[1], limit=1)
        start = datetime.now(UTC) - timedelta(days=3)
        readers = [
            store.ensure_user(f"reader{n}@load.invalid", now=start - timedelta(days=30))
            for n in range(READERS)
        ]
        have = store.count_comments([paper.id]).get(paper.id, 0)
        if have < TOP_LEVEL + REPLIES:
            started = time.perf_counter()
            rng = random.Random(seed)
            replies = set(rng.sample(range(1, TOP_LEVEL + REPLIES), REPLIES))
            made: list[int] = []
            for n in range(TOP_LEVEL + REPLIES):
                reply = n in replies  # to one of the 30 comments before it
                comment = discussion.post_comment(
                    store,
                    settings,
                    user=readers[rng.randrange(READERS)],
                    paper_id=paper.id,
                    body=rng.choice(BODIES),
                    parent_id=rng.choice(made[-30:]) if reply else None,
                    now=start + timedelta(minutes=n),
                )
                made.append(comment.id)
            later = start + timedelta(days=1)
            for _ in range(VOTES):
                discussion.vote(
                    store,
                    settings,
                    user=readers[rng.randrange(READERS)],
                    paper_id=paper.id,
                    comment_id=rng.choice(made),
                    up=True,
                    now=later,
                )
            curator = store.add_user("curator@load.invalid", role="curator", now=start)
            store.claim_authorship(readers[0].id, paper.id, now=later)
            discussion.confirm_author(
                store, curator=curator, user_id=readers[0].id, paper_id=paper.id, now=later
            )
            print(
                f"discussion: {len(made)} comments and {VOTES} upvotes on {paper.id} in "
                f"{time.perf_counter() - started:.1f} s"
            )
        comments = store.paper_comments(paper.id)
        answers = sum(c.parent_id is not None for c in comments)
        print(
            f"discussion: {paper.id} has {len(comments)} visible comments ({answers} replies,"
            f" {len({c.user_id for c in comments})} readers, deepest level"
            f" {max(c.depth for c in comments) + 1})"
        )
        cookie = start_session(store, settings, user=readers[0], key=secret_key(settings, store))
    finally:
        store.close()
    return paper.id, f"{SESSION_COOKIE}={cookie}"


def title_words(rng: random.Random, paper: Paper) -> str | None:
    """2-4 words of a real title (longer than three letters), in random order."""
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z\-]+", paper.title) if len(w) > 3]
    if len(words) < 2:
        return None
    return " ".join(rng.sample(words, rng.randint(2, min(4, len(words)))))


def abstract_words(rng: random.Random, paper: Paper) -> str | None:
    """2-3 consecutive words of a real abstract, each longer than three letters."""
    words = re.findall(r"[A-Za-z][A-Za-z\-]+", paper.abstract or "")
    n = rng.randint(2, 3)
    runs = [
        words[i : i + n]
        for i in range(len(words) - n + 1)
        if all(len(w) > 3 for w in words[i : i + n])
    ]
    return " ".join(rng.choice(runs)) if runs else None


def real_queries(papers: list[Paper], count: int, seed: int) -> list[str]:
    """``count`` distinct queries (ignoring case), half from titles, half from abstracts."""
    rng = random.Random(seed)
    found: dict[str, str] = {}
    for paper in rng.sample(papers, min(len(papers), count * 3)):
        make = title_words if len(found) % 2 == 0 else abstract_words
        query = make(rng, paper)
        if query:
            found.setdefault(query.lower(), query)
        if len(found) >= count:
            break
    return list(found.values())


def sample_paths(db_url: str, discussed: str, *, seed: int = 7) -> dict[str, list[str]]:
    """Paths of every kind: ``paper``/``search`` for the route-by-route run (1,000 ids,
    200 queries, as before), ``papers``/``queries``/``discussed`` for the scenarios, and
    ``mixed``."""
    rng = random.Random(seed)
    store = open_store(db_url)
    try:
        papers = list(store.iter_papers(batch_size=5000))
    finally:
        store.close()
    chosen = rng.sample(papers, min(1000, len(papers)))
    qs: list[str] = []
    for paper in rng.sample(papers, min(400, len(papers))):
        query = title_words(rng, paper)
        if query and len(qs) < 200:
            qs.append(query)
    many = rng.sample(papers, min(IDS, len(papers)))
    queries = real_queries(papers, QUERIES, seed)
    paper_paths = [f"/papers/{quote(p.id, safe='/:')}" for p in many]
    search_paths = [f"/api/v1/search?q={quote(q)}" for q in queries]
    page = f"/papers/{quote(discussed, safe='/:')}"
    discussion = [page, f"{page}?sort=time"]
    kinds = {"home": ["/"], "trending": ["/trending"], "paper": paper_paths}
    kinds["discussed"] = discussion
    kinds["search"] = search_paths[: len(paper_paths)]  # distinct from each other
    mixed: list[str] = []
    for kind, share in MIX.items():
        pool = kinds[kind]
        mixed.extend(pool[i % len(pool)] for i in range(round(MIX_SIZE * share)))
    random.Random(seed).shuffle(mixed)
    return {
        "home": ["/"],
        "trending": ["/trending"],
        "paper": [f"/papers/{quote(p.id, safe='/:')}" for p in chosen],
        "search": [f"/api/v1/search?q={quote(q)}" for q in qs],
        "papers": paper_paths,
        "queries": search_paths,
        "discussed": discussion,
        "mixed": mixed,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def server(
    db_url: str, folder: Path, workers: int | None, pythonpath: str | None
) -> Iterator[tuple[str, float]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env["PAPERWIRE_DATABASE_URL"] = db_url
    env["PAPERWIRE_INDEX_DIR"] = str(folder / "paperwire.index")  # both backends: one index
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    log = (folder / "server.log").open("w")
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "paperwire", "serve", "--host", "127.0.0.1", "--port", str(port)]
        + (["--workers", str(workers)] if workers else []),
        cwd=folder,
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise SystemExit(f"the server exited ({process.returncode}); see {log.name}")
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not answer /healthz within 120 s")
            time.sleep(0.1)
        yield url, time.perf_counter() - started
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def cache_counts(url: str) -> dict[str, float]:
    text = httpx.get(f"{url}/metrics", timeout=30).text
    found = {"hit": 0.0, "miss": 0.0}
    for line in text.splitlines():
        match = re.match(r'paperwire_http_response_cache_total\{result="(\w+)"\} (\S+)', line)
        if match:
            found[match.group(1)] = float(match.group(2))
    return found


def run_wrk(
    url: str,
    paths: list[str],
    folder: Path,
    *,
    threads: int,
    connections: int,
    duration: int,
    beside: Callable[[], Callable[[], str]] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[dict[str, float], str, str, list[str]]:
    script = folder / "rotate.lua"
    listed = "{" + ", ".join(json.dumps(p) for p in paths) + "}"
    sent = (
        "{"
        + ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in (headers or {}).items())
        + "}"
    )
    script.write_text(LUA % {"paths": listed, "headers": sent})
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "5s",
        "--latency",
        "-s",
        str(script),
        url,
    ]
    finish = beside() if beside is not None else None
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    note = finish() if finish is not None else ""
    if done.returncode != 0:
        raise SystemExit(f"wrk failed: {done.stderr}")
    [result] = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    summary = [
        line
        for line in done.stdout.splitlines()
        if line.strip() and not line.startswith(("RESULT ", "Running "))
    ]
    found: dict[str, float] = json.loads(result.removeprefix("RESULT "))
    return found, note, " ".join(command), summary


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def warm(url: str, paths: list[str], headers: dict[str, str] | None = None) -> list[int]:
    """The first five paths of each kind, requested once before a run."""
    firsts: dict[str, list[str]] = {}
    for path in paths:
        kind = "paper" if path.startswith("/papers/") else path.split("?")[0]
        bucket = firsts.setdefault(kind, [])
        if len(bucket) < 5:
            bucket.append(path)
    with httpx.Client(base_url=url, timeout=60, headers=headers) as client:
        return sorted({client.get(p).status_code for ps in firsts.values() for p in ps})


@dataclass
class Row:
    name: str
    paths: int
    clients: int
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    non_2xx_3xx: int
    note: str = ""

    def target(self) -> str:
        if self.name in TARGETS:
            rps, p99 = TARGETS[self.name]
        elif self.name in ("route-home", "route-trending"):
            rps, p99 = TARGET_RPS, TARGET_P99_MS
        else:
            return ""
        met = self.rps >= rps and self.p99_ms <= p99 and self.errors == 0
        wanted = f">= {rps:.0f} req/s, " if rps else ""
        return f"{'met' if met else 'MISSED'} ({wanted}p99 <= {p99:.0f} ms, 0 errors)"


def measure(
    url: str,
    name: str,
    paths: list[str],
    folder: Path,
    *,
    threads: int,
    connections: int,
    duration: int,
    beside: Callable[[], Callable[[], str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Row:
    """One wrk run over ``paths`` (each request with ``headers``); ``beside`` starts work
    that runs next to it and returns a note about it once wrk is done."""
    statuses = warm(url, paths, headers)
    before = cache_counts(url)
    result, note, command, summary = run_wrk(
        url,
        paths,
        folder,
        threads=threads,
        connections=connections,
        duration=duration,
        beside=beside,
        headers=headers,
    )
    after = cache_counts(url)
    errors = sum(int(result[k]) for k in ("connect", "read", "write", "status", "timeout"))
    rps = result["requests"] / (result["duration_us"] / 1e6)
    row = Row(
        name,
        len(set(paths)),
        connections,
        rps,
        result["p50_us"] / 1000,
        result["p99_us"] / 1000,
        result["max_us"] / 1000,
        errors,
        int(result["status"]),
        note,
    )
    print(f"\n$ {command}  # {name}: {row.paths} distinct path(s)")
    for line in summary:
        print(f"  {line.rstrip()}")
    print(
        f"  => {rps:8.1f} req/s  p50 {row.p50_ms:7.2f} ms  p99 {row.p99_ms:7.2f} ms  "
        f"max {row.max_ms:7.1f} ms  errors {errors} ({row.non_2xx_3xx} answers >= 400)  "
        f"(cache {after['hit'] - before['hit']:.0f} hits, "
        f"{after['miss'] - before['miss']:.0f} misses; warm-up statuses {statuses})"
    )
    if row.note:
        print(f"  beside it: {row.note}")
    print(f"  load average after: {load_average()}")
    return row


def importer(db_url: str, corpus: Path, folder: Path, pythonpath: str | None) -> Callable[[], str]:
    """Starts ``paperwire import CORPUS`` into the same database; the returned function
    waits for it (after wrk) and says how it went."""
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env["PAPERWIRE_DATABASE_URL"] = db_url
    env["PAPERWIRE_INDEX_DIR"] = str(folder / "paperwire.index")
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    log = (folder / "import.log").open("w")
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "paperwire", "import", str(corpus)],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    time.sleep(1.0)  # the import is reading and writing when the load starts

    def finish() -> str:
        running = process.poll() is None
        code = process.wait()
        seconds = time.perf_counter() - started
        log.close()
        tail = (folder / "import.log").read_text(errors="replace").strip().splitlines()[-1:]
        still = "still running when the load ended; " if running else "ended before the load; "
        return f"paperwire import: {still}exit {code} after {seconds:.1f} s: {' '.join(tail)}"

    return finish


def serve_and_measure(
    args: argparse.Namespace,
    db_url: str,
    folder: Path,
    paths: dict[str, list[str]],
    session: str,
) -> list[Row]:
    """Start the server on ``db_url`` and run the chosen scenarios against it
    (``session``: the ``Cookie`` header of the signed-in scenario)."""
    rows: list[Row] = []
    with server(db_url, folder, args.workers, args.pythonpath) as (url, startup):
        print(f"server: answered /healthz {startup:.1f} s after it was started")
        run = functools.partial(
            measure, url, folder=folder, threads=args.threads, duration=args.duration
        )
        for scenario in args.scenarios:
            if scenario == "routes":
                for route in args.routes:
                    rows.append(run(f"route-{route}", paths[route], connections=args.connections))
                continue
            kind = {
                "papers": "papers",
                "search": "queries",
                "discussed": "discussed",
                "discussed-signed-in": "discussed",
            }.get(scenario, "mixed")
            beside = None
            if scenario == "mixed-import":
                beside = functools.partial(importer, db_url, args.corpus, folder, args.pythonpath)
            headers = {"Cookie": session} if scenario == "discussed-signed-in" else None
            rows.append(
                run(
                    scenario,
                    paths[kind],
                    connections=CLIENTS[scenario],
                    beside=beside,
                    headers=headers,
                )
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--database", type=Path, help="a folder to keep (and reuse) the data in")
    parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--routes", nargs="+", choices=ROUTES, default=list(ROUTES))
    parser.add_argument("--workers", type=int, help="default: paperwire serve's own default")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32, help="for --scenarios routes")
    parser.add_argument("--duration", type=int, default=15, help="seconds per run")
    parser.add_argument("--pythonpath", help="run the server from this source tree")
    parser.add_argument(
        "--no-index",
        action="store_true",
        help="use the indexes of --database as they are (no catch-up run)",
    )
    parser.add_argument(
        "--backends",
        nargs="+",
        choices=NAMES,
        default=["sqlite"],
        help="postgresql: the prepared instance copied (db copy) into PostgreSQL, served "
        "with the same index folder; both measured in one run",
    )
    parser.add_argument("--postgres-url", help="an existing server (default: one on loopback)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")

    temporary = args.database is None
    folder = Path(tempfile.mkdtemp(prefix="paperwire-load-")) if temporary else args.database
    try:
        sqlite_url = prepare(folder, args.corpus, index=not args.no_index)
        discussed, session = seed_discussion(sqlite_url)
        paths = sample_paths(sqlite_url, discussed)
        workers = args.workers or "default"
        print(f"server: paperwire serve (workers: {workers}), {os.cpu_count()} cores")
        rows: list[tuple[str, Row]] = []
        with Backends(args.backends, args.postgres_url) as backends:
            for backend in args.backends:
                db_url = sqlite_url
                if backend == "postgresql":
                    db_url = backends.url(backend, folder)
                    started = time.perf_counter()
                    copied = copy_database(sqlite_url, db_url)
                    print(
                        f"postgresql: the instance copied in {time.perf_counter() - started:.0f} s"
                        f" ({copied.rows:,} rows), the same index folder"
                    )
                print(f"{backend}: load average before: {load_average()}")
                for row in serve_and_measure(args, db_url, folder, paths, session):
                    rows.append((backend, row))
        header = "scenario             paths clients    req/s    p50 ms    p99 ms  errors  target"
        print(f"\nbackend     {header}")
        for backend, row in rows:
            print(
                f"{backend:<11} {row.name:<19} {row.paths:>6} {row.clients:>7} {row.rps:8.1f} "
                f"{row.p50_ms:9.2f} {row.p99_ms:9.2f} {row.errors:7d}  {row.target()}"
            )
    finally:
        if temporary:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
