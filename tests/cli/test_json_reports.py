"""``--json`` on ``fetch``, ``import``, ``rank`` and ``index``: one JSON object on stdout with
the counts the text gives; what was rejected or failed stays on stderr, with the same
exit codes as without ``--json``."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from paperwire.cli import cli
from paperwire.store import open_store
from tests.http_server import LoopbackServer, Reply, Request

HF_THREE = "hf_daily_papers/2026-08-03_daily_papers_3_prettyprinted.json"

Serve = Callable[[Callable[[Request], Reply]], LoopbackServer]


@pytest.fixture
def run(db_url: str) -> Callable[..., Result]:
    def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(cli, ["--database-url", db_url, *args], env=env)

    return invoke


def one_object(result: Result) -> dict[str, Any]:
    """stdout is exactly one JSON object on one line."""
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    found = json.loads(lines[0])
    assert isinstance(found, dict)
    return found


def records(shared_data: Path, tmp_path: Path, *, bad: bool = False) -> Path:
    """Five papers of the arXiv metadata snapshot (and a line that is no JSON when ``bad``)."""
    path = tmp_path / "papers.jsonl"
    with gzip.open(shared_data / "arxiv_daily_cs_2025_2026.jsonl.gz", "rb") as source:
        lines = [line for _, line in zip(range(5), source, strict=False)]
    if bad:
        lines.insert(2, b'{"id": "2601.0\n')
    path.write_bytes(b"".join(lines))
    return path


def test_import_json_counts_then_unchanged(
    run: Callable[..., Result], shared_data: Path, tmp_path: Path
) -> None:
    path = records(shared_data, tmp_path)
    first = run("import", str(path), "--json")
    assert first.exit_code == 0, first.output
    assert one_object(first) == {
        "new": 5,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "failed": 0,
        "requests": 0,
    }
    again = one_object(run("import", str(path), "--json"))
    assert (again["new"], again["unchanged"]) == (0, 5)
    text = run("import", str(path))
    assert text.stdout.strip() == "imported 0 new, 0 updated, 5 unchanged, 0 rejected"


def test_import_json_with_a_rejected_record(
    run: Callable[..., Result], shared_data: Path, tmp_path: Path
) -> None:
    result = run("import", str(records(shared_data, tmp_path, bad=True)), "--json")
    assert result.exit_code == 1  # as without --json
    report = one_object(result)
    assert (report["new"], report["rejected"]) == (5, 1)
    assert "rejected " in result.stderr and "papers.jsonl:3" in result.stderr


def test_import_json_of_a_file_that_is_not_there(run: Callable[..., Result]) -> None:
    result = run("import", "missing.jsonl", "--json")
    assert result.exit_code == 2  # a usage error, told on stderr
    assert result.stdout == ""
    assert "missing.jsonl" in result.stderr


def hf_handler(shared_data: Path, status: int = 200) -> Callable[[Request], Reply]:
    items = json.loads((shared_data / HF_THREE).read_bytes())
    day = datetime.now(UTC).date().isoformat()
    for item in items:
        item["paper"]["submittedOnDailyAt"] = f"{day}T00:00:00.000Z"
    body = json.dumps(items).encode()

    def handler(request: Request) -> Reply:
        if status != 200:
            return Reply(status, "not here", {"Content-Type": "text/plain"})
        return Reply(200, body, {"Content-Type": "application/json; charset=utf-8"})

    return handler


def hf_env(server: LoopbackServer) -> dict[str, str]:
    return {
        "PAPERWIRE_HF_API_URL": f"{server.url}/api",
        "PAPERWIRE_FETCH_DAYS": "0",
        "PAPERWIRE_REQUEST_DELAY": "0",
        "PAPERWIRE_MAX_RETRIES": "0",
    }


def test_fetch_json(run: Callable[..., Result], serve: Serve, shared_data: Path) -> None:
    server = serve(hf_handler(shared_data))
    result = run("fetch", "hf-daily", "--json", env=hf_env(server))
    assert result.exit_code == 0, result.output
    report = one_object(result)
    assert report == {
        "source": "hf-daily",
        "new": 3,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "failed": 0,
        "requests": len(server.requests),
    }
    assert report["requests"] >= 1
    assert "hf-daily: " in result.stderr  # the requests line stays on stderr


def test_fetch_json_when_the_source_fails(
    run: Callable[..., Result], serve: Serve, shared_data: Path
) -> None:
    server = serve(hf_handler(shared_data, status=404))
    result = run("fetch", "hf-daily", "--json", env=hf_env(server))
    text = run("fetch", "hf-daily", env=hf_env(server))
    assert result.exit_code == text.exit_code == 1
    report = one_object(result)
    assert report["failed"] >= 1 and report["new"] == 0
    assert "error: " in result.stderr


def test_rank_and_index_json(
    run: Callable[..., Result], db_url: str, shared_data: Path, tmp_path: Path
) -> None:
    assert run("import", str(records(shared_data, tmp_path))).exit_code == 0

    index = run("index", "--json")
    assert index.exit_code == 0, index.output
    report = one_object(index)
    assert report["keyword"] == 5 and report["fast"] == 5 and report["removed"] == 0
    assert {"quality", "similar", "topic_days", "seconds", "graph"} <= set(report)
    again = one_object(run("index", "--json"))
    assert again["keyword"] == 0  # nothing new

    rank = run("rank", "--window", "week", "--json")
    assert rank.exit_code == 0, rank.output
    ranked = one_object(rank)
    store = open_store(db_url)
    try:
        day = date.fromisoformat(ranked["day"])
        stored = store.stored_trending(window="week", at=day, limit=1000)
    finally:
        store.close()
    assert stored and ranked["ranked"] == {"week": len(stored)}


def test_rank_json_with_no_papers(run: Callable[..., Result]) -> None:
    assert run("db", "migrate").exit_code == 0
    result = run("rank", "--json")
    assert result.exit_code == 0
    assert one_object(result) == {"day": None, "ranked": {}}


def test_index_json_error_stays_on_stderr(run: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "index-here").write_text("a file where the index folder should be")
    result = run("index", "--json", env={"PAPERWIRE_INDEX_DIR": str(tmp_path / "index-here")})
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "error: index folder: " in result.stderr and "index-here" in result.stderr
