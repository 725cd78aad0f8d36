"""``paperwire rank``, ``paperwire trending`` and ``paperwire fetch github`` on real
database files, with the Hugging Face daily sample (30 real papers of 2026-06-12)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from paperwire.cli import cli
from paperwire.models import FeedDate, Paper
from paperwire.store import open_store
from tests.http_server import Handler, LoopbackServer, Reply, Request

SAMPLE = "hf_daily_papers/2026-06-12_daily_papers_30.json"


@pytest.fixture
def run(db_url: str) -> Callable[..., Result]:
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, ["--database-url", db_url, *args], catch_exceptions=False)

    return invoke


@pytest.fixture
def imported(run: Callable[..., Result], shared_data: Path) -> None:
    assert run("import", str(shared_data / SAMPLE)).exit_code == 0


def test_trending_json_of_the_sample(run: Callable[..., Result], imported: None) -> None:
    result = run("trending", "--window", "day", "--limit", "5", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 5
    assert {"id", "title", "score", "reason"} <= set(rows[0])
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    # The most upvoted paper of the day (118 upvotes) leads, and says why.
    assert rows[0]["id"] == "2606.13681"
    assert rows[0]["reason"] == "118 upvotes today"


def test_rank_stores_and_at_reads_the_past(
    run: Callable[..., Result], imported: None, db_url: str
) -> None:
    result = run("rank", "--window", "week", "--at", "2026-06-12")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "ranked papers as of 2026-06-12: week 30"
    store = open_store(db_url)
    try:
        assert store.latest_trending_day("week").isoformat() == "2026-06-12"  # type: ignore[union-attr]
        assert store.latest_trending_day("day") is None
    finally:
        store.close()
    # Before the papers were known, nothing trends.
    before = run("trending", "--at", "2026-06-01", "--json")
    assert before.exit_code == 0 and json.loads(before.output) == []
    text = run("trending", "--limit", "2")
    assert text.exit_code == 0
    assert text.output.splitlines()[0].startswith("  1. 2606.13681")


def test_bad_input_is_refused(run: Callable[..., Result], imported: None) -> None:
    bad_day = run("trending", "--at", "June 1st")
    assert bad_day.exit_code == 2
    assert "expected a date YYYY-MM-DD" in bad_day.output
    bad_window = run("rank", "--window", "year")
    assert bad_window.exit_code == 2


def test_missing_database_is_an_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'none.db'}"
    result = CliRunner().invoke(cli, ["--database-url", url, "rank"])
    assert result.exit_code == 1
    assert "no database" in result.output


def test_fetch_github_records_stars(
    run: Callable[..., Result],
    imported: None,
    db_url: str,
    serve: Callable[[Handler], LoopbackServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def github(request: Request) -> Reply:
        owner_repo = request.path.removeprefix("/repos/")
        body = {"full_name": owner_repo, "stargazers_count": 1000}
        return Reply(200, json.dumps(body), {"ETag": '"x"', "Content-Type": "application/json"})

    server = serve(github)
    monkeypatch.setenv("PAPERWIRE_GITHUB_API_URL", server.url)
    monkeypatch.setenv("PAPERWIRE_GITHUB_REQUEST_DELAY", "0")
    result = run("fetch", "github")
    assert result.exit_code == 0, result.output
    # 16 papers carry githubRepo, one more names its repository in the abstract.
    assert "github: 17 request(s)" in result.output
    store = open_store(db_url)
    try:
        assert [s for _, s in store.star_history("2606.13392")][-1] == 1000
    finally:
        store.close()


def test_a_stored_far_future_day_does_not_stop_ranking(
    run: Callable[..., Result], imported: None, db_url: str
) -> None:
    """A record dated 9999-12-31 that reached the store before the import gate refused
    such records: ranking stands on the latest real day, and such a day cannot be asked."""
    store = open_store(db_url)
    try:
        far = Paper(
            id="2503.70003",
            title="t",
            abstract="s",
            feed_dates=[FeedDate(date(9999, 12, 31), "arxiv")],
            sources=["test"],
        )
        store.upsert_papers([far])  # straight into the store, past the gate
    finally:
        store.close()
    ranked = run("rank")
    assert ranked.exit_code == 0, ranked.output
    assert "as of 2026-06-12" in ranked.output
    shown = run("trending", "--window", "day", "--json")
    assert shown.exit_code == 0, shown.output
    assert "2503.70003" not in {row["id"] for row in json.loads(shown.output)}
    refused = CliRunner().invoke(cli, ["--database-url", db_url, "trending", "--at", "9999-12-31"])
    assert refused.exit_code == 2
    assert "out of range" in refused.output
