"""The command line on real database files: exit codes, output, and the database after."""

import gzip
import io
import json
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from paperwire.cli import cli
from paperwire.store import open_store
from paperwire.store.migrations import SQLITE as MIGRATIONS


@pytest.fixture
def run(db_url):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, ["--database-url", db_url, *args], catch_exceptions=False)

    return invoke


@pytest.fixture
def sample(shared_data, tmp_path) -> Path:
    path = tmp_path / "sample.jsonl.gz"
    with gzip.open(shared_data / "arxiv_daily_cs_2025_2026.jsonl.gz", "rb") as src:
        lines = [line for _, line in zip(range(300), src, strict=False)]
    with gzip.open(path, "wb") as f:
        f.writelines(lines)
    return path


def test_db_migrate_twice(run, db_url):
    first = run("db", "migrate")
    assert first.exit_code == 0
    names = [name for name, _ in MIGRATIONS]
    assert f"applied {len(names)} migration(s): {', '.join(names)}" in first.output
    second = run("db", "migrate")
    assert second.exit_code == 0
    assert "up to date" in second.output


def test_database_url_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PAPERWIRE_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    result = CliRunner().invoke(cli, ["db", "migrate"])
    assert result.exit_code == 0
    assert (tmp_path / "env.db").exists()


def test_import_summary_and_reimport(run, sample, db_url):
    result = run("import", str(sample))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "imported 300 new, 0 updated, 0 unchanged, 0 rejected"
    again = run("import", str(sample))
    assert again.stdout.strip() == "imported 0 new, 0 updated, 300 unchanged, 0 rejected"
    store = open_store(db_url)
    assert store.count_papers() == 300
    store.close()


def test_import_with_rejected_records_exits_1_and_names_the_line(run, tmp_path, db_url):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"id": "2501.00001", "title": "Good", "summary": "A", "authors": [], "categories": []}\n'
        "{broken\n"
    )
    result = run("import", str(bad))
    assert result.exit_code == 1
    assert result.stdout.strip() == "imported 1 new, 0 updated, 0 unchanged, 1 rejected"
    assert f"rejected {bad}:2: not valid JSON" in result.stderr
    store = open_store(db_url)
    assert store.get_paper("2501.00001") is not None
    store.close()


def test_archive_with_a_broken_member_keeps_the_rest_and_says_so(run, sample, tmp_path, db_url):
    good = gzip.decompress(sample.read_bytes())
    archive = tmp_path / "bundle.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in (("good.jsonl", good), ("broken.xml", b"<?xml version='1.0'?><feed>")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    result = run("import", str(archive))
    assert result.exit_code == 1
    assert result.stdout.strip() == (
        "imported 300 new, 0 updated, 0 unchanged, 0 rejected; 1 file(s) or page(s) failed"
    )
    assert f"error: {archive}!broken.xml" in result.stderr
    store = open_store(db_url)
    assert store.count_papers() == 300
    store.close()


def test_usage_errors_exit_2(run, sample, tmp_path):
    assert run("import", str(sample), "--format", "docx").exit_code == 2
    assert run("import", str(tmp_path / "missing.json")).exit_code == 2
    assert run("import").exit_code == 2
    run("import", str(sample))
    bad_date = run("papers", "--date", "last tuesday")
    assert bad_date.exit_code == 2
    assert "--date" in bad_date.stderr


def test_reading_a_missing_database_is_a_clear_error(run):
    result = run("stats")
    assert result.exit_code == 1
    assert "no database at" in result.stderr
    assert "paperwire db migrate" in result.stderr


def test_stats_show_and_papers(run, sample):
    run("import", str(sample))
    stats = json.loads(run("stats", "--json").stdout)
    assert stats["papers"] == 300
    assert stats["by_source"] == {"arxiv-daily": 300}
    assert stats["by_day"]["2025-03-18"] > 0
    assert "papers: 300" in run("stats").stdout

    shown = json.loads(run("show", "2503.11731", "--json").stdout)
    assert shown["id"] == "2503.11731"
    assert shown["authors"][0] == {"name": "Xianming Zeng", "affiliation": None}
    text = run("show", "2503.11731v1").stdout
    assert "Industrial-Grade Sensor Simulation" in text
    missing = run("show", "9999.99999")
    assert missing.exit_code == 1
    assert "no paper" in missing.stderr

    listed = json.loads(run("papers", "--json", "--limit", "5", "--category", "cs.CV").stdout)
    assert len(listed) == 5
    for item in listed:
        assert {
            "id",
            "version",
            "title",
            "abstract",
            "authors",
            "categories",
            "published_at",
            "github_repo",
            "sources",
            "score",
        } <= set(item)
        assert "cs.CV" in item["categories"]
    days = [p["feed_dates"][0]["date"] for p in listed]
    assert days == sorted(days, reverse=True)

    day = json.loads(run("papers", "--json", "--date", "2025-03-18", "--limit", "1000").stdout)
    assert day and all(any(f["date"] == "2025-03-18" for f in p["feed_dates"]) for p in day)
    plain = run("papers", "--limit", "3").stdout.splitlines()
    assert len(plain) == 3
