"""``paperwire up``: first start, second start, the network fallback, and a real server."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import feedparser
import httpx
import pytest
from click.testing import CliRunner

from paperwire.cli import cli
from paperwire.cli.serve import load_papers, network_problem
from paperwire.config import Settings
from paperwire.index.search import Searcher
from paperwire.rank.trending import default_day, trending_scores
from paperwire.store import Store, open_store
from tests.http_server import LoopbackServer, Reply, Request
from tests.served import free_port, stop, wait_for

SAMPLE_PAPERS = 3294


@dataclass
class Run:
    output: str
    exit_code: int
    seconds: float


def run_up(db_url: str, *args: str) -> Run:
    started = time.perf_counter()
    result = CliRunner().invoke(
        cli, ["--database-url", db_url, "up", *args], catch_exceptions=False
    )
    return Run(result.output, result.exit_code, time.perf_counter() - started)


@dataclass
class Prepared:
    folder: Path
    db_url: str
    first: Run


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    """One ``up --offline --no-serve`` on a fresh database (it takes seconds)."""
    folder = tmp_path_factory.mktemp("up")
    db_url = f"sqlite:///{folder / 'paperwire.db'}"
    return Prepared(folder, db_url, run_up(db_url, "--offline", "--no-serve"))


def closed_url() -> str:
    return f"http://127.0.0.1:{free_port()}/api/query"


def test_first_up_imports_the_sample_and_indexes_it(prepared: Prepared) -> None:
    first = prepared.first
    assert first.exit_code == 0, first.output
    assert re.search(r"database: applied \d+ migration\(s\): 0001_papers", first.output)
    assert "papers: offline" in first.output
    assert f"imported {SAMPLE_PAPERS} new, 0 updated, 0 unchanged, 0 rejected" in first.output
    assert f"loaded {SAMPLE_PAPERS} precomputed quality vectors" in first.output
    assert f"index: indexed {SAMPLE_PAPERS} papers, {SAMPLE_PAPERS} fast vectors" in first.output
    assert "rank: " in first.output
    assert "paperwire is running" not in first.output  # --no-serve
    settings = Settings(database_url=prepared.db_url)
    store = open_store(prepared.db_url)
    try:
        assert store.count_papers() == SAMPLE_PAPERS
        assert store.count_vectors("fast") == SAMPLE_PAPERS
        assert store.count_vectors("quality") == SAMPLE_PAPERS
        hits = Searcher(store, settings).search("diffusion models for image generation", limit=5)
        assert len(hits) == 5
        # Trending is ranked before serving; similar papers are left to the index job.
        day = default_day(store)
        assert day is not None and trending_scores(store, window="week", at=day)
        assert store.stored_similar(hits[0].paper_id, limit=5) is None
    finally:
        store.close()


def test_second_up_is_fast_and_imports_nothing(prepared: Prepared) -> None:
    second = run_up(prepared.db_url, "--offline", "--no-serve")
    assert second.exit_code == 0, second.output
    assert "database: up to date" in second.output
    assert f"papers: {SAMPLE_PAPERS:,} in the database, none loaded" in second.output
    assert "imported" not in second.output
    assert "index: indexed 0 papers, 0 fast vectors" in second.output
    assert second.seconds < prepared.first.seconds / 2, second.output


def test_a_fresh_database_with_the_network_unreachable_gets_the_sample(store: Store) -> None:
    settings = Settings(database_url=store.url, arxiv_api_url=closed_url())
    load_papers(store, settings, offline=False)
    assert store.count_papers() == SAMPLE_PAPERS


def test_network_problem_is_quick() -> None:
    started = time.perf_counter()
    problem = network_problem(closed_url(), timeout=1.0)
    assert problem is not None and "127.0.0.1" in problem
    assert time.perf_counter() - started < 2
    assert network_problem("not a url") is not None


def recorded_page(shared_data: Path) -> bytes:
    """A recorded arXiv API answer of ten papers, claiming ten results in all (the
    recording stored the UTF-8 body decoded as Latin-1)."""
    folder = shared_data / "arxiv_api" / "2026_recorded_arxiv_py"
    [path] = sorted(folder.glob("q_testing_s0_m10_*.json"))
    body: str = json.loads(path.read_text(encoding="utf-8"))["body"]
    return re.sub(
        rb"<opensearch:totalResults>\d+<", b"<opensearch:totalResults>10<", body.encode("latin-1")
    )


def test_a_reachable_arxiv_is_fetched_instead_of_the_sample(
    store: Store,
    shared_data: Path,
    serve: Callable[[Callable[[Request], Reply]], LoopbackServer],
    fast_settings: Callable[..., Settings],
) -> None:
    page = recorded_page(shared_data)
    server = serve(lambda request: Reply(200, page, {"Content-Type": "application/atom+xml"}))
    settings = fast_settings(
        arxiv_api_url=f"{server.url}/api/query", categories=["cs.SE"], page_size=10
    )
    load_papers(store, settings, offline=False)
    assert server.requests, "the arXiv API was not asked"
    assert 0 < store.count_papers() < SAMPLE_PAPERS


def test_an_empty_answer_falls_back_to_the_sample(
    store: Store,
    shared_data: Path,
    serve: Callable[[Callable[[Request], Reply]], LoopbackServer],
    fast_settings: Callable[..., Settings],
) -> None:
    server = serve(lambda request: Reply(503, "unavailable"))
    settings = fast_settings(arxiv_api_url=f"{server.url}/api/query", categories=["cs.SE"])
    load_papers(store, settings, offline=False)
    assert server.requests
    assert store.count_papers() == SAMPLE_PAPERS


@pytest.fixture
def server(prepared: Prepared) -> Iterator[tuple[str, float, subprocess.Popen[str]]]:
    """``python -m paperwire up --offline --port P`` on the prepared database."""
    port = free_port()
    env = {**os.environ, "PAPERWIRE_DATABASE_URL": prepared.db_url}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "paperwire", "up", "--offline", "--port", str(port)],
        cwd=prepared.folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url, process)
        yield url, time.perf_counter() - started, process
    finally:
        stop(process)


def test_up_serves_pages_feeds_and_metrics(
    server: tuple[str, float, subprocess.Popen[str]],
) -> None:
    url, _, process = server
    with httpx.Client(base_url=url, timeout=30) as client:
        home = client.get("/")
        assert home.status_code == 200
        assert home.headers["content-type"].startswith("text/html")
        assert home.headers["x-content-type-options"] == "nosniff"
        feed = client.get("/feeds/daily.atom")
        assert feed.status_code == 200
        parsed = feedparser.parse(feed.content)
        assert not parsed.bozo and parsed.entries
        assert parsed.entries[0].link.startswith(f"{url}/papers/")  # links to where it runs
        metrics = client.get("/metrics")
        assert metrics.status_code == 200
        assert f"paperwire_papers {float(SAMPLE_PAPERS)}" in metrics.text
        assert 'paperwire_http_requests_total{method="GET",route="/",status="200"}' in metrics.text
    process.terminate()
    out, err = process.communicate(timeout=15)
    assert process.returncode in (0, -signal.SIGTERM)  # uvicorn re-raises the signal it got
    assert f"paperwire is running at {url}" in out
    assert "worker: running (network fetch off)" in out  # the scheduler runs, offline
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("message") == "request"]
    assert {r["route"] for r in requests} >= {"/healthz", "/", "/feeds/daily.atom"}
    assert all({"method", "route", "status", "ms"} <= set(r) for r in requests)


def test_serve_with_two_workers_reports_the_metrics_of_both(prepared: Prepared) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "paperwire", "--database-url", prepared.db_url, "serve"]
        + ["--workers", "2", "--port", str(port)],
        cwd=prepared.folder,
        env={k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(url, process)
        for _ in range(30):  # new connections: both workers answer some
            assert httpx.get(f"{url}/feeds/trending.rss?limit=1", timeout=30).status_code == 200
        for _ in range(4):  # whichever worker answers the scrape, it counts all 30
            text = httpx.get(f"{url}/metrics", timeout=30).text
            line = 'paperwire_http_requests_total{method="GET",route="/feeds/trending.rss",'
            [count] = [row for row in text.splitlines() if row.startswith(line)]
            assert float(count.rsplit(" ", 1)[1]) == 30
            assert f"paperwire_papers {float(SAMPLE_PAPERS)}" in text
    finally:
        process.terminate()
        try:
            out, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            out, _ = process.communicate()
    assert f"paperwire is running at {url} (2 workers)" in out
