"""``paperwire recommend`` on real database files, one reader or a batch: exit codes,
output, and what never comes back (saved and hidden papers)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from paperwire.cli import cli
from paperwire.config import Settings
from paperwire.recommend import Recommender
from paperwire.store import Store
from tests.index.conftest import indexed, sample_db  # noqa: F401 - fixtures

ADA = "ada@example.org"
BO = "bo@example.org"
SPLIT = date(2026, 6, 24)


@pytest.fixture
def run(db_url):
    runner = CliRunner()

    def invoke(*args: str, url: str = db_url, input: str | None = None):
        return runner.invoke(
            cli, ["--database-url", url, *args], input=input, catch_exceptions=False
        )

    return invoke


def _on(store: Store, word: str, n: int) -> list[str]:
    """Papers with ``word`` in the title announced in the days before SPLIT."""
    papers = Recommender(store).candidates(date(2026, 6, 1), SPLIT - timedelta(days=1))
    return [p.id for p in papers if word in p.title.lower()][:n]


@pytest.fixture
def reader(indexed: tuple[Store, Settings], run) -> tuple[str, list[str]]:  # noqa: F811
    store, settings = indexed
    run("user", "add", ADA, url=settings.database_url)
    saved = _on(store, "robot", 6)
    assert len(saved) == 6
    added = run("library", "add", ADA, *saved, url=settings.database_url)
    assert added.exit_code == 0, added.output
    return settings.database_url, saved


def test_recommend_learns_from_saved_papers_and_never_shows_them_or_hidden_ones(reader, run):
    url, saved = reader
    since = SPLIT.isoformat()
    first = json.loads(
        run("recommend", ADA, "--since", since, "--limit", "10", "--json", url=url).stdout
    )
    assert len(first) == 10
    for row in first:
        assert {"id", "title", "score", "reason", "url", "published_at"} <= set(row)
        assert row["first_day"] >= since
        assert row["reason"].startswith("close to: “")
    assert [r["score"] for r in first] == sorted((r["score"] for r in first), reverse=True)
    on_topic = sum(
        "robot" in row["title"].lower() or "manipulation" in row["reason"].lower() for row in first
    )
    assert on_topic >= 5

    kept, hidden = first[0]["id"], first[1]["id"]
    assert run("library", "add", ADA, kept, url=url).exit_code == 0
    assert run("library", "hide", ADA, hidden, url=url).exit_code == 0
    again = json.loads(
        run("recommend", ADA, "--since", since, "--limit", "50", "--json", url=url).stdout
    )
    shown = {row["id"] for row in again}
    assert kept not in shown and hidden not in shown and not shown & set(saved)

    text = run("recommend", ADA, "--since", since, "--limit", "3", url=url).stdout.splitlines()
    assert text[0].startswith(f"  1. {again[0]['id']}")
    assert again[0]["title"][:40] in text[0]
    assert text[1].startswith("     close to: “")


def test_recommend_for_a_reader_without_signals_or_account(reader, run):
    url, _ = reader
    run("user", "add", BO, url=url)
    empty = run("recommend", BO, "--json", url=url)
    assert empty.exit_code == 0 and json.loads(empty.stdout) == []
    assert "nothing to learn from yet" in empty.stderr
    nobody = run("recommend", "carol@example.org", url=url)
    assert nobody.exit_code == 2 and "no account for 'carol@example.org'" in nobody.stderr
    assert run("recommend", url=url).exit_code == 2  # neither EMAIL nor --batch
    assert run("recommend", ADA, "--since", "last week", url=url).exit_code == 2


def test_recommend_batch_prints_one_array_a_line_in_order(reader, run, tmp_path):
    url, _ = reader
    run("user", "add", BO, url=url)
    single = json.loads(
        run(
            "recommend", ADA, "--since", SPLIT.isoformat(), "--limit", "5", "--json", url=url
        ).stdout
    )
    batch = tmp_path / "readers.txt"
    batch.write_text(
        f"{ADA} {SPLIT}\n# a comment\n{BO}\ncarol@example.org\n{ADA} 2026-13-40\n{ADA} {SPLIT}\n"
    )
    result = run("recommend", "--batch", str(batch), "--limit", "5", url=url)
    assert result.exit_code == 1  # two lines named no reader or no date
    lines = result.stdout.splitlines()
    assert len(lines) == 5
    arrays = [json.loads(line) for line in lines]
    assert [r["id"] for r in arrays[0]] == [r["id"] for r in single]
    assert arrays[4] == arrays[0]
    assert arrays[1] == [] and arrays[2] == [] and arrays[3] == []
    assert f"error: {batch}:4: no account for 'carol@example.org'" in result.stderr
    assert f"error: {batch}:5: '2026-13-40' is not a date" in result.stderr
