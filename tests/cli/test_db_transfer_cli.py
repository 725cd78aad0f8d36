"""``paperwire db copy``, ``db backup`` and ``db restore`` on real database files: exit
codes, what is printed, and what ends up in the databases."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from paperwire.cli import cli
from paperwire.models import Author, Paper
from paperwire.store import open_store
from tests.store.test_transfer import populate


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A populated instance, made once; the tests only read it."""
    path = tmp_path_factory.mktemp("cli-instance") / "paperwire.db"
    store = open_store(f"sqlite:///{path}")
    store.migrate()
    populate(store)
    store.close()
    return path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " AND name != 'schema_migrations'"
            )
        ]
        return {n: conn.execute(f"SELECT count(*) FROM {n}").fetchone()[0] for n in names}
    finally:
        conn.close()


def test_copy_prints_a_json_summary_and_the_copy_holds_every_row(source, tmp_path):
    target = tmp_path / "copy.db"
    done = run("db", "copy", f"sqlite:///{source}", f"sqlite:///{target}", "--json")
    assert done.exit_code == 0, done.output
    summary = json.loads(done.stdout)
    assert summary["finished"] and summary["equal"]
    assert summary["rows"] == sum(counts(source).values()) > 13_000
    tables = {t["name"]: t for t in summary["tables"]}
    assert tables["upvotes"]["rows"] == tables["upvotes"]["target_rows"] == 16
    assert tables["papers"]["source_checksum"] == tables["papers"]["target_checksum"]
    assert counts(target) == counts(source)
    assert "papers: 3,294 rows" in done.stderr  # progress goes to stderr


def test_an_interrupted_copy_is_continued_with_resume(source, tmp_path):
    target = f"sqlite:///{tmp_path / 'copy.db'}"
    args = ["db", "copy", f"sqlite:///{source}", target, "--batch-size", "500"]
    stopped = run(*args, "--stop-after-batches", "3")
    assert stopped.exit_code == 1
    assert "run the same copy again with --resume" in stopped.stderr
    assert counts(tmp_path / "copy.db")["papers"] == 1500
    refused = run(*args)
    assert refused.exit_code == 1
    assert "is not empty (papers: 1500" in refused.stderr and "--resume" in refused.stderr
    resumed = run(*args, "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert "counts and checksums equal" in resumed.stdout
    assert counts(tmp_path / "copy.db") == counts(source)


def test_a_killed_copy_process_is_continued_with_resume(source, tmp_path):
    target = tmp_path / "copy.db"
    command = [sys.executable, "-m", "paperwire", "db", "copy", f"sqlite:///{source}"]
    process = subprocess.Popen(
        [*command, f"sqlite:///{target}", "--batch-size", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        seen = 0
        while seen < 200 and process.poll() is None:
            time.sleep(0.02)
            if target.exists():
                try:
                    seen = counts(target).get("papers", 0)
                except sqlite3.OperationalError:
                    seen = 0  # the target is being created and migrated
        process.kill()
    finally:
        process.wait()
    assert sum(counts(target).values()) < sum(counts(source).values())  # stopped part way
    resumed = run("db", "copy", f"sqlite:///{source}", f"sqlite:///{target}", "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert counts(target) == counts(source)


def test_bad_urls_are_named_without_their_password(source, tmp_path):
    odd = run("db", "copy", f"sqlite:///{source}", "mysql://me:s3cret@db.example/x")
    assert odd.exit_code == 1
    assert "unsupported database URL 'mysql://me:***@db.example/x'" in odd.stderr
    down = run("db", "copy", f"sqlite:///{source}", "postgresql://me:s3cret@127.0.0.1:1/x")
    assert down.exit_code == 1
    assert "cannot connect to PostgreSQL at 127.0.0.1:1/x" in down.stderr
    assert "s3cret" not in down.output
    missing = run(
        "db", "copy", f"sqlite:///{tmp_path / 'none.db'}", f"sqlite:///{tmp_path / 'x.db'}"
    )
    assert missing.exit_code == 1 and f"no database at {tmp_path / 'none.db'}" in missing.stderr


def test_backup_then_restore_prints_the_rows_of_each_table(source, tmp_path):
    backup = tmp_path / "backup.db"
    made = run("--database-url", f"sqlite:///{source}", "db", "backup", str(backup))
    assert made.exit_code == 0, made.output
    assert f"backed up to {backup} (sqlite, " in made.stdout
    assert sqlite3.connect(backup).execute("PRAGMA integrity_check").fetchone() == ("ok",)
    again = run("--database-url", f"sqlite:///{source}", "db", "backup", str(backup))
    assert again.exit_code == 1 and "backup never replaces a file" in again.stderr
    target = tmp_path / "restored.db"
    restored = run("--database-url", f"sqlite:///{target}", "db", "restore", str(backup))
    assert restored.exit_code == 0, restored.output
    assert "papers: 3,294" in restored.stdout and "upvotes: 16" in restored.stdout
    assert counts(target) == counts(source)


def test_restore_into_a_database_with_papers_refuses_unless_forced_and_confirmed(source, tmp_path):
    backup = tmp_path / "backup.db"
    assert run("--database-url", f"sqlite:///{source}", "db", "backup", str(backup)).exit_code == 0
    target = tmp_path / "live.db"
    live = open_store(f"sqlite:///{target}")
    live.migrate()
    live.upsert_papers([Paper(id="2607.99999", title="Kept", authors=[Author("A. N.")])])
    live.close()
    url = f"sqlite:///{target}"
    refused = run("--database-url", url, "db", "restore", str(backup))
    assert refused.exit_code == 1
    assert "is not empty (papers: 1" in refused.stderr and "--force --yes" in refused.stderr
    unconfirmed = CliRunner().invoke(
        cli, ["--database-url", url, "db", "restore", "--force", str(backup)], input="n\n"
    )
    assert unconfirmed.exit_code == 1
    assert counts(target)["papers"] == 1
    (tmp_path / "live.index").mkdir()  # the search indexes of the papers replaced
    forced = run("--database-url", url, "db", "restore", "--force", "--yes", str(backup), "--json")
    assert forced.exit_code == 0, forced.output
    assert json.loads(forced.stdout)["tables"]["papers"] == 3294
    assert f"the search indexes in {tmp_path / 'live.index'} describe the database" in forced.stderr
    assert counts(target) == counts(source)


def test_restore_names_a_file_that_is_no_backup(tmp_path):
    (tmp_path / "notes.db").write_text("not a database")
    done = run(
        "--database-url",
        f"sqlite:///{tmp_path / 'x.db'}",
        "db",
        "restore",
        str(tmp_path / "notes.db"),
    )
    assert done.exit_code == 1
    assert "neither a SQLite backup nor a pg_dump file" in done.stderr
