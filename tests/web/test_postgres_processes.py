"""Two `paperwire serve` processes (as deploy/systemd starts them) on one PostgreSQL
database: either answers the same pages, a reader who signs in through one is signed in
on the other (sessions live in the database), and the per-address sign-in limit counts
the requests of both."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest

from paperwire.config import Settings
from paperwire.index.jobs import update_index
from paperwire.ingest import import_files, sample_path
from paperwire.store import open_store
from tests.auth.support import hidden_inputs
from tests.served import free_port, stop, wait_for

DAY = "2026-07-01"
CARD = re.compile(r'<article class="card[^"]*" data-paper="([^"]+)"')


def mails_to(outbox: Path, address: str) -> list[EmailMessage]:
    found = []
    for path in sorted(outbox.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        if message["To"] == address:
            found.append(message)
    return found


@pytest.fixture
def servers(pg_url: str, tmp_path: Path) -> Iterator[tuple[list[str], Path]]:
    index_dir = tmp_path / "index"
    store = open_store(pg_url)
    store.migrate()
    assert import_files(store, [sample_path()]).ok
    update_index(store, Settings(database_url=pg_url, index_dir=str(index_dir)), similar=False)
    store.close()
    outbox = tmp_path / "outbox"
    ports = [free_port(), free_port()]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERWIRE_")}
    env.update(
        PAPERWIRE_DATABASE_URL=pg_url,
        PAPERWIRE_INDEX_DIR=str(index_dir),
        PAPERWIRE_SECRET_KEY="one-secret-for-every-process",
        PAPERWIRE_SMTP_URL=f"file://{outbox}",
        PAPERWIRE_BASE_URL=f"http://127.0.0.1:{ports[0]}",
        PAPERWIRE_LOGIN_LIMIT_PER_ADDRESS="2",
    )
    processes: list[subprocess.Popen[Any]] = []
    try:
        for port in ports:
            command = ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "paperwire", *command],
                    env=env,
                    cwd=tmp_path,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, process in zip(urls, processes, strict=True):
            wait_for(url, process)
        yield urls, outbox
    finally:
        for process in processes:
            stop(process)


def test_either_process_answers_the_same(servers: tuple[list[str], Path]) -> None:
    urls, _ = servers
    days, found, papers = [], [], []
    for url in urls:
        day = httpx.get(f"{url}/?date={DAY}", timeout=30)
        assert day.status_code == 200
        days.append(CARD.findall(day.text))
        search = httpx.get(
            f"{url}/api/v1/search", params={"q": "video question answering"}, timeout=30
        )
        assert search.status_code == 200
        found.append([hit["id"] for hit in search.json()["papers"]])
        paper = httpx.get(f"{url}/papers/2512.10359", timeout=30)
        assert paper.status_code == 200 and "Video Question Answering" in paper.text
        papers.append(paper.status_code)
    assert days[0] == days[1] and len(days[0]) == 30
    assert found[0] == found[1] and "2512.10359" in found[0]


def test_sign_in_on_one_signed_in_on_both_and_one_limit(servers: tuple[list[str], Path]) -> None:
    urls, outbox = servers
    with httpx.Client(timeout=30) as browser:
        shown = browser.get(f"{urls[0]}/login")
        action, values = hidden_inputs(shown.text, "form.login")
        sent = browser.post(f"{urls[0]}{action}", data={**values, "email": "ada@example.org"})
        assert sent.status_code == 200
        [mail] = mails_to(outbox, "ada@example.org")
        body = mail.get_body(("plain",))
        assert body is not None
        token = re.findall(r"/login/confirm\?token=([A-Za-z0-9_.\-%]+)", body.get_content())[0]
        # the link is followed on the other process
        page = browser.get(f"{urls[1]}/login/confirm", params={"token": token})
        action, values = hidden_inputs(page.text, "form.login-confirm")
        confirmed = browser.post(f"{urls[1]}{action}", data=values, follow_redirects=False)
        assert confirmed.status_code == 303
        for url in urls:
            me = browser.get(f"{url}/me", follow_redirects=False)
            assert me.status_code == 200 and "ada@example.org" in me.text

    # four requests for one address, two on each process: the limit of two holds overall
    for n in range(4):
        with httpx.Client(timeout=30) as other:
            url = urls[n % 2]
            shown = other.get(f"{url}/login")
            action, values = hidden_inputs(shown.text, "form.login")
            answer = other.post(f"{url}{action}", data={**values, "email": "bob@example.org"})
            assert answer.status_code == 200
    assert len(mails_to(outbox, "bob@example.org")) == 2
