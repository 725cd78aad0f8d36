"""``paperwire digest send`` on a real database, mail to files."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from paperwire.cli import cli
from paperwire.ingest import import_files, sample_path
from paperwire.normalize import utcnow
from paperwire.store import Store
from paperwire.store.base_digests import Preferences


def run(db_url: str, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--database-url", db_url, "digest", "send", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_dry_run_prints_and_stores_nothing_then_send_sends_once(
    store: Store, db_url: str, tmp_path: Path
) -> None:
    assert import_files(store, [sample_path()]).ok
    store.add_subscribers(
        [
            ("ada@example.org", Preferences("daily", ["cs.CL"], ["speech"])),
            ("bob@example.org", Preferences("weekly", [], [])),
        ],
        now=utcnow(),
    )
    env = {"PAPERWIRE_SMTP_URL": f"file://{tmp_path / 'mail'}", "PAPERWIRE_DIGEST_SEND_RATE": "0"}
    code, out, err = run(db_url, env, "--dry-run")
    assert code == 0, err
    assert "ada@example.org  daily:2026-07-01" in out and "bob@example.org  weekly:2026-W27" in out
    assert "dry run: 2 digest(s) would be sent; nothing was stored" in out
    code, out, err = run(db_url, env, "--dry-run", "--json", "--frequency", "daily")
    [digest] = json.loads(out)
    assert digest["email"] == "ada@example.org" and digest["groups"][0]["papers"]
    assert store.outbox_counts()["queued"] == 0 and not (tmp_path / "mail").exists()

    code, out, err = run(db_url, env, "--frequency", "daily")
    assert code == 0, err
    assert "compose: daily:2026-07-01: 1 digest(s) composed" in out
    assert "send: sent 1 digest(s)" in out
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1
    code, out, err = run(db_url, env)
    assert code == 0, err
    assert "daily:2026-07-01: 0 digest(s) composed for 1 subscriber(s); 1 composed before" in out
    assert "weekly:2026-W27: 1 digest(s) composed" in out
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 2


def test_bad_options_are_named(db_url: str, store: Store) -> None:
    code, _, err = run(db_url, {}, "--frequency", "hourly")
    assert code == 2 and "--frequency" in err
    code, _, err = run(db_url, {}, "--at", "2026-13-01")
    assert code == 2 and "--at" in err
