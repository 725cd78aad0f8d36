"""``paperwire papers --date D --by-topic``: every paper of the day under one topic, the
paper objects as ``paperwire papers --json`` prints them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from click.testing import CliRunner

from paperwire.cli import cli
from paperwire.config import Settings
from paperwire.index.jobs import update_index
from paperwire.index.topics import OTHER
from paperwire.ingest import import_files, sample_path
from paperwire.models import FeedDate, Paper
from paperwire.store import open_store

DAY = "2026-07-01"
LONELY = date(2026, 1, 5)


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('topics') / 'paperwire.db'}"
    store = open_store(url)
    store.migrate()
    assert import_files(store, [sample_path()]).ok
    when = datetime(2026, 1, 5, 12, tzinfo=UTC)
    store.upsert_papers(
        [
            Paper(
                id="2601.99001",
                title="A lone paper",
                published_at=when,
                feed_dates=[FeedDate(LONELY, "arxiv")],
            )
        ]
    )
    update_index(store, Settings(database_url=url), similar=False)
    store.close()
    return url


@pytest.fixture
def run(db_url: str):
    def invoke(*args: str):
        return CliRunner().invoke(cli, ["--database-url", db_url, *args], catch_exceptions=False)

    return invoke


def test_every_paper_of_the_day_in_exactly_one_topic(run):
    result = run("papers", "--date", DAY, "--by-topic", "--json")
    assert result.exit_code == 0, result.output
    groups = json.loads(result.stdout)
    plain = json.loads(run("papers", "--date", DAY, "--json", "--limit", "100000").stdout)
    assert len(plain) >= 300
    by_id = {p["id"]: p for p in plain}
    listed = [p["id"] for g in groups for p in g["papers"]]
    assert sorted(listed) == sorted(by_id)  # each paper once, none missing
    assert len(groups) >= 5
    for group in groups:
        assert set(group) == {"topic", "papers"}
        assert isinstance(group["topic"], str) and group["topic"]
        assert group["papers"]
        for paper in group["papers"]:
            assert paper == by_id[paper["id"]]  # the same objects `papers --json` prints
    labels = [g["topic"] for g in groups]
    assert len(set(labels)) == len(labels)
    assert OTHER not in labels[:-1]


def test_a_day_not_grouped_lists_every_paper_under_other(run):
    result = run("papers", "--date", LONELY.isoformat(), "--by-topic", "--json")
    assert result.exit_code == 0
    assert [(g["topic"], [p["id"] for p in g["papers"]]) for g in json.loads(result.stdout)] == [
        (OTHER, ["2601.99001"])
    ]
    assert "not grouped into topics" in result.stderr


def test_text_output_and_a_missing_date(run):
    result = run("papers", "--date", DAY, "--by-topic")
    assert result.exit_code == 0
    headings = [line for line in result.stdout.splitlines() if line.startswith("## ")]
    lines = [line for line in result.stdout.splitlines() if line and not line.startswith("## ")]
    assert len(headings) >= 5 and len(lines) >= 300
    assert headings[0].endswith(")") and "(" in headings[0]
    missing = run("papers", "--by-topic", "--json")
    assert missing.exit_code == 2
    assert "--by-topic needs --date" in missing.output
