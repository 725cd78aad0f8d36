"""Writes never wait long: imports in real processes beside web writes on one SQLite file.

An import writes in short batches that give way to other writers, so every upvote and
sign-in made meanwhile is answered 2xx; a write that cannot start within the store's
bound answers 503 with Retry-After (never 500); two imports at once both finish.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from paperwire.auth.sessions import new_api_token
from paperwire.normalize import utcnow
from paperwire.store import Store
from tests.auth.support import Community, make_community, submit_form

UPVOTE = "/api/v1/papers/2607.00001/upvote"


def generated_papers(path: Path, start: int, count: int) -> Path:
    """``count`` papers with ids 2501.{start:05d}..., each with its own title."""
    with path.open("w") as f:
        for n in range(start, start + count):
            record = {
                "id": f"2501.{n:05d}",
                "title": f"A generated paper number {n} on batched writes",
                "summary": f"The abstract of paper {n}. " * 8,
                "authors": ["Ada Lovelace", "Alan Turing"],
                "categories": ["cs.DB", "cs.LG"],
                "feed_dates": [f"2025-01-{1 + n % 28:02d}"],
            }
            f.write(json.dumps(record) + "\n")
    return path


def start_import(db_url: str, *paths: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "paperwire", "--database-url", db_url, "import"]
    return subprocess.Popen(
        [*command, *map(str, paths)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@pytest.fixture
def community(store: Store, tmp_path: Path) -> Iterator[Community]:
    made = make_community(store, tmp_path, upvote_limit=1_000_000)
    yield made
    made.close()


def test_upvotes_and_sign_ins_are_answered_while_a_big_file_is_imported(
    community: Community, db_url: str, tmp_path: Path
) -> None:
    big = generated_papers(tmp_path / "big.jsonl", 1, 12_000)
    user = community.store.add_user("ada@example.org", role="reader", now=utcnow())
    headers = {"Authorization": f"Bearer {new_api_token(community.store, user=user)}"}
    client = community.client()
    known = community.store.count_papers()
    run = start_import(db_url, big)
    answers: list[int] = []
    seen_midway = 0  # writes answered while the import had written some of its papers
    while run.poll() is None:
        answers.append(client.post(UPVOTE, headers=headers).status_code)
        answers.append(client.delete(UPVOTE, headers=headers).status_code)
        if known < community.store.count_papers() < known + 12_000:
            seen_midway += 1
    out, err = run.communicate()
    assert run.returncode == 0, err
    assert out.strip() == "imported 12000 new, 0 updated, 0 unchanged, 0 rejected"
    assert seen_midway > 0, "no write was made while the import was writing"
    assert set(answers) == {200}, f"answers: {sorted(set(answers))}"
    # A sign-in (a rate-limit count, a one-time link) right after, on the same file.
    signed = submit_form(community.client(), "/login", "form.login", {"email": "b@example.org"})
    assert signed.status_code == 200
    assert community.store.count_papers() == known + 12_000


def test_a_write_that_cannot_start_in_time_answers_503_with_retry_after(
    community: Community, tmp_path: Path
) -> None:
    user = community.store.add_user("ada@example.org", role="reader", now=utcnow())
    headers = {"Authorization": f"Bearer {new_api_token(community.store, user=user)}"}
    client = community.client()
    login_page = client.get("/login")  # before the lock: the form and its CSRF cookie
    community.store.write_wait = 0.2  # type: ignore[attr-defined]  # keep the test quick
    holder = sqlite3.connect(tmp_path / "paperwire.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's long write transaction
    try:
        api = client.post(UPVOTE, headers=headers)
        assert api.status_code == 503
        assert api.headers["retry-after"] == "1"
        assert "busy" in api.json()["detail"]
        form = BeautifulSoup(login_page.text, "html.parser").select_one("form.login")
        assert form is not None
        values = {str(i["name"]): str(i.get("value", "")) for i in form.select("input[name]")}
        values["email"] = "b@example.org"
        page = client.post(str(form.get("action", "/login")), data=values)
        assert page.status_code == 503
        assert page.headers["retry-after"] == "1"
        assert page.headers["content-type"].startswith("text/html")
        assert "busy" in page.text
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert community.store.upvoted_ids(user.id) == []  # nothing was half written
    assert client.post(UPVOTE, headers=headers).status_code == 200
    assert community.store.upvoted_ids(user.id) == ["2607.00001"]


def test_two_imports_at_once_both_finish_with_every_paper(
    store: Store, db_url: str, tmp_path: Path
) -> None:
    first = generated_papers(tmp_path / "first.jsonl", 1, 6000)
    second = generated_papers(tmp_path / "second.jsonl", 3001, 6000)  # 3000 in common
    runs = [start_import(db_url, first), start_import(db_url, second)]
    outputs = [run.communicate() for run in runs]
    for run, (_, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err
        assert "Traceback" not in err
    new = [int(out.split()[1]) for out, _ in outputs]
    assert sum(new) == 9000  # each paper counted new exactly once
    assert store.count_papers() == 9000
    assert store.get_paper("2501.00001") is not None
    assert store.get_paper("2501.09000") is not None
