"""``paperwire user``: accounts and API tokens on a real database file."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient

from paperwire.cli import cli
from paperwire.config import Settings
from paperwire.models import Paper
from paperwire.signing import token_hash
from paperwire.store import open_store
from paperwire.web.app import create_app

Run = Callable[..., Result]


@pytest.fixture
def run(db_url: str) -> Run:
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, ["--database-url", db_url, *args])

    return invoke


def test_add_and_change_role(run: Run, db_url: str) -> None:
    added = run("user", "add", "Ada@Example.org", "--role", "admin")
    assert added.exit_code == 0, added.output
    assert added.output.strip() == "added ada@example.org (admin)"
    changed = run("user", "add", "ada@example.org", "--role", "curator")
    assert changed.output.strip() == "updated ada@example.org (curator)"
    listed = json.loads(run("user", "list", "--json").output)
    assert [(u["email"], u["role"]) for u in listed] == [("ada@example.org", "curator")]
    assert run("user", "add", "bob@example.org").output.strip() == "added bob@example.org (reader)"


def test_bad_input_changes_nothing(run: Run, db_url: str) -> None:
    run("db", "migrate")
    bad = run("user", "add", "not-an-address")
    assert bad.exit_code == 2
    assert "not-an-address" in bad.output
    role = run("user", "add", "ada@example.org", "--role", "king")
    assert role.exit_code == 2
    unknown = run("user", "token", "nobody@example.org")
    assert unknown.exit_code == 1
    assert "no account for 'nobody@example.org'" in unknown.output
    store = open_store(db_url)
    assert store.list_users() == []
    store.close()


def test_token_works_until_revoked(run: Run, db_url: str) -> None:
    run("user", "add", "ada@example.org")
    printed = run("user", "token", "ada@example.org")
    assert printed.exit_code == 0
    token = printed.output.strip()
    assert token.startswith("pw_") and len(token) > 40
    store = open_store(db_url)
    store.upsert_papers([Paper(id="2607.00001", title="A Paper")])
    rows = store._db().execute("SELECT token_hash FROM api_tokens").fetchall()
    assert rows == [(token_hash(token),)]  # kept hashed only
    client = TestClient(create_app(Settings(database_url=db_url), store))
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/papers/2607.00001/upvote", headers=headers).status_code == 200
    revoked = run("user", "revoke-tokens", "ada@example.org")
    assert revoked.output.strip() == "revoked 1 token(s) of ada@example.org"
    assert client.delete("/api/v1/papers/2607.00001/upvote", headers=headers).status_code == 401
    client.close()
    store.close()
