"""Load on the web server: requests/s, p50/p99 and errors per route, with wrk on loopback.

    python benchmarks/serve_load.py                       # import + index the corpus first
    python benchmarks/serve_load.py --database /tmp/pw    # reuse a folder from an earlier run
    python benchmarks/serve_load.py --duration 5 --routes home trending

The 74,728-paper corpus (``../shared/data/arxiv_daily_cs_2025_2026.jsonl.gz``) is imported
and indexed (keyword index and fast vectors) into a temporary database, or a folder given
with ``--database`` is used as it is (imported and indexed when it has no papers yet).
Then ``paperwire serve --workers 2`` starts on 127.0.0.1 and, for each route,
``wrk -t2 -c32 -d15s --latency`` runs with a Lua script rotating the paths:

- ``/`` and ``/trending``: one path each;
- ``/papers/{id}``: 1,000 real ids, drawn with a fixed seed;
- ``/api/v1/search?q=``: 200 real queries (2-4 words of real titles, fixed seed).

Before each route its first five paths are requested (a warm-up outside the measurement:
models and indexes are loaded, ``/`` and ``/trending`` rendered), so figures are for a
running server; the other ids and queries are first seen during the run. Prints, per
route: requests/s, p50, p99, max, errors (socket errors plus answers >= 400), and the
response cache's hits and misses during the run (from /metrics). Target on a 2-core
machine: >= 500 req/s for ``/`` and ``/trending`` with p99 <= 100 ms and 0 errors.

``--pythonpath DIR`` runs the server from another source tree (to compare with an
earlier version of the code).
"""

from __future__ import annotations

import argparse
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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from paperwire.config import Settings
from paperwire.index.jobs import update_index
from paperwire.ingest import import_files
from paperwire.store import open_store

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "data" / "arxiv_daily_cs_2025_2026.jsonl.gz"
ROUTES = ("home", "trending", "paper", "search")
TARGET_RPS, TARGET_P99_MS = 500.0, 100.0

LUA = r"""
local paths = %(paths)s
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
  return wrk.format("GET", paths[(i %% #paths) + 1])
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


def prepare(folder: Path, corpus: Path) -> str:
    """The database URL of ``folder``, with the corpus imported and indexed."""
    folder.mkdir(parents=True, exist_ok=True)
    db_url = f"sqlite:///{folder / 'paperwire.db'}"
    store = open_store(db_url)
    store.migrate()
    try:
        if store.count_papers() == 0:
            started = time.perf_counter()
            report = import_files(store, [corpus])
            print(f"import: {report.summary()} in {time.perf_counter() - started:.1f} s")
        index = update_index(store, Settings(database_url=db_url))
        print(f"index: {index.summary()}")
        print(f"papers: {store.count_papers():,}")
    finally:
        store.close()
    return db_url


def sample_paths(db_url: str, ids: int, queries: int, seed: int = 7) -> dict[str, list[str]]:
    from urllib.parse import quote

    rng = random.Random(seed)
    store = open_store(db_url)
    try:
        papers = list(store.iter_papers(batch_size=5000))
    finally:
        store.close()
    chosen = rng.sample(papers, min(ids, len(papers)))
    words_of = [
        [w for w in re.findall(r"[A-Za-z][A-Za-z\-]+", p.title) if len(w) > 3]
        for p in rng.sample(papers, min(queries * 2, len(papers)))
    ]
    qs: list[str] = []
    for words in words_of:
        if len(words) >= 2 and len(qs) < queries:
            qs.append(" ".join(rng.sample(words, rng.randint(2, min(4, len(words))))))
    return {
        "home": ["/"],
        "trending": ["/trending"],
        "paper": [f"/papers/{quote(p.id, safe='/:')}" for p in chosen],
        "search": [f"/api/v1/search?q={quote(q)}" for q in qs],
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def server(
    db_url: str, folder: Path, workers: int, pythonpath: str | None
) -> Iterator[tuple[str, float]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env["PAPERWIRE_DATABASE_URL"] = db_url
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    log = (folder / "server.log").open("w")
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "paperwire", "serve", "--workers", str(workers)]
        + ["--host", "127.0.0.1", "--port", str(port)],
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
        match = re.match(r'paperwire_response_cache_total\{result="(\w+)"\} (\S+)', line)
        if match:
            found[match.group(1)] = float(match.group(2))
    return found


def run_wrk(
    url: str, paths: list[str], folder: Path, *, threads: int, connections: int, duration: int
) -> tuple[dict[str, float], str, list[str]]:
    script = folder / "rotate.lua"
    listed = "{" + ", ".join(json.dumps(p) for p in paths) + "}"
    script.write_text(LUA % {"paths": listed})
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
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    if done.returncode != 0:
        raise SystemExit(f"wrk failed: {done.stderr}")
    [result] = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    summary = [
        line
        for line in done.stdout.splitlines()
        if line.strip() and not line.startswith(("RESULT ", "Running "))
    ]
    return json.loads(result.removeprefix("RESULT ")), " ".join(command), summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--database", type=Path, help="a folder to keep (and reuse) the data in")
    parser.add_argument("--routes", nargs="+", choices=ROUTES, default=list(ROUTES))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=15, help="seconds per route")
    parser.add_argument("--pythonpath", help="run the server from this source tree")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")

    temporary = args.database is None
    folder = Path(tempfile.mkdtemp(prefix="paperwire-load-")) if temporary else args.database
    try:
        db_url = prepare(folder, args.corpus)
        paths = sample_paths(db_url, ids=1000, queries=200)
        print(f"server: paperwire serve --workers {args.workers}, {os.cpu_count()} cores")
        with server(db_url, folder, args.workers, args.pythonpath) as (url, startup):
            print(f"server: answered /healthz {startup:.1f} s after it was started")
            rows = []
            for route in args.routes:
                with httpx.Client(base_url=url, timeout=60) as client:
                    statuses = {client.get(path).status_code for path in paths[route][:5]}
                before = cache_counts(url)
                result, command, summary = run_wrk(
                    url,
                    paths[route],
                    folder,
                    threads=args.threads,
                    connections=args.connections,
                    duration=args.duration,
                )
                after = cache_counts(url)
                errors = sum(
                    int(result[k]) for k in ("connect", "read", "write", "status", "timeout")
                )
                rps = result["requests"] / (result["duration_us"] / 1e6)
                row = {
                    "route": route,
                    "paths": len(paths[route]),
                    "warm_statuses": sorted(statuses),
                    "rps": rps,
                    "p50_ms": result["p50_us"] / 1000,
                    "p99_ms": result["p99_us"] / 1000,
                    "max_ms": result["max_us"] / 1000,
                    "errors": errors,
                    "non_2xx_3xx": int(result["status"]),
                    "cache_hits": after["hit"] - before["hit"],
                    "cache_misses": after["miss"] - before["miss"],
                }
                rows.append(row)
                print(f"\n$ {command}  # {route}: {len(paths[route])} path(s)")
                for line in summary:
                    print(f"  {line.rstrip()}")
                print(
                    f"  => {rps:8.1f} req/s  p50 {row['p50_ms']:7.2f} ms  "
                    f"p99 {row['p99_ms']:7.2f} ms  errors {errors}  "
                    f"(cache {row['cache_hits']:.0f} hits, {row['cache_misses']:.0f} misses; "
                    f"warm-up statuses {row['warm_statuses']})"
                )
        print("\nroute      paths    req/s    p50 ms    p99 ms  errors  target")
        for row in rows:
            target = ""
            if row["route"] in ("home", "trending"):
                met = (
                    row["rps"] >= TARGET_RPS
                    and row["p99_ms"] <= TARGET_P99_MS
                    and row["errors"] == 0
                )
                target = "met" if met else "MISSED"
            print(
                f"{row['route']:<9} {row['paths']:>6} {row['rps']:8.1f} {row['p50_ms']:9.2f} "
                f"{row['p99_ms']:9.2f} {row['errors']:7d}  {target}"
            )
    finally:
        if temporary:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
