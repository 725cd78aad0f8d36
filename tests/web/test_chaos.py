"""A real ``paperwire serve`` killed with SIGKILL while readers upvote and subscribe, then
started again on the same database: every upvote and subscription it acknowledged (2xx)
is still there, and the server answers again.

The writers are a few threads on loopback, each with a bounded number of requests; the
server is killed once a fixed number of writes were acknowledged, while the threads are
still sending. Nothing here depends on timing: only acknowledged writes are checked.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest

from paperwire.auth.sessions import new_api_token
from paperwire.models import Author, FeedDate, Paper
from paperwire.store import open_store
from tests.served import free_port

PAPERS = 60
UPVOTERS = 3  # readers, one thread and one API token each
SUBSCRIBERS = 2  # threads asking for digests, each with its own addresses
PER_THREAD = 20  # requests each thread sends at most (below the per-minute upvote limit)
KILL_AFTER = 25  # acknowledged writes before the SIGKILL


def paper_ids() -> list[str]:
    return [f"2606.{10_000 + n:05d}" for n in range(PAPERS)]


@dataclass
class Site:
    folder: Path
    db_url: str
    tokens: dict[str, str]  # email -> API token
    user_ids: dict[str, int]


@pytest.fixture
def site(tmp_path: Path) -> Site:
    db_url = f"sqlite:///{tmp_path / 'paperwire.db'}"
    store = open_store(db_url)
    try:
        store.migrate()
        when = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
        store.upsert_papers(
            [
                Paper(
                    id=pid,
                    version=1,
                    title=f"Resilient Storage of Reader Votes, Part {n}",
                    abstract="Votes and subscriptions must survive a crash of the server.",
                    authors=[Author("Ada Lovelace")],
                    categories=["cs.DB"],
                    published_at=when,
                    feed_dates=[FeedDate(date(2026, 6, 1), "arxiv")],
                    sources=["test"],
                )
                for n, pid in enumerate(paper_ids())
            ]
        )
        tokens: dict[str, str] = {}
        user_ids: dict[str, int] = {}
        for n in range(UPVOTERS):
            email = f"reader{n}@example.org"
            user = store.add_user(email, role="reader", now=when)
            tokens[email] = new_api_token(store, user=user)
            user_ids[email] = user.id
    finally:
        store.close()
    return Site(tmp_path, db_url, tokens, user_ids)


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]


def start_server(site: Site, log_name: str) -> Server:
    """``python -m paperwire serve`` in its own process group (so SIGKILL reaches every
    worker), on a free loopback port; returns once /healthz answers 200."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env["PAPERWIRE_DATABASE_URL"] = site.db_url
    env["PAPERWIRE_SMTP_URL"] = f"file://{site.folder / 'outbox'}"
    with (site.folder / log_name).open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "paperwire", "serve", "--host", "127.0.0.1"]
            + ["--port", str(port), "--workers", "1"],
            cwd=site.folder,
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            text = (site.folder / log_name).read_text(errors="replace")
            pytest.fail(f"the server exited with {process.returncode}:\n{text}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return Server(url, process)
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            kill(process)
            pytest.fail("the server did not answer /healthz within 60 s")
        time.sleep(0.1)


def kill(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


@dataclass
class Acknowledged:
    """What the server answered 2xx to, and what went wrong in other ways."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    upvotes: set[tuple[str, str]] = field(default_factory=set)  # (email, paper id)
    subscriptions: set[str] = field(default_factory=set)
    statuses: list[int] = field(default_factory=list)  # every status seen
    enough: threading.Event = field(default_factory=threading.Event)

    def record(
        self, status: int, *, upvote: tuple[str, str] | None = None, email: str = ""
    ) -> None:
        with self.lock:
            self.statuses.append(status)
            if 200 <= status < 300:
                if upvote is not None:
                    self.upvotes.add(upvote)
                else:
                    self.subscriptions.add(email)
            if len(self.upvotes) + len(self.subscriptions) >= KILL_AFTER:
                self.enough.set()


def upvoter(url: str, email: str, token: str, ids: list[str], acks: Acknowledged) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=10) as client:
        for pid in ids[:PER_THREAD]:
            try:
                answer = client.post(f"/api/v1/papers/{pid}/upvote")
            except httpx.TransportError:
                return  # the server is gone: what was acknowledged is what counts
            acks.record(answer.status_code, upvote=(email, pid))


def subscriber(url: str, prefix: str, acks: Acknowledged) -> None:
    with httpx.Client(base_url=url, timeout=10) as client:
        for n in range(PER_THREAD):
            email = f"{prefix}{n}@example.org"
            body = {"email": email, "frequency": "daily", "topics": ["crash safety"]}
            try:
                answer = client.post("/api/v1/subscriptions", json=body)
            except httpx.TransportError:
                return
            acks.record(answer.status_code, email=email)


@pytest.fixture
def running(site: Site) -> Iterator[Server]:
    server = start_server(site, "first.log")
    yield server
    if server.process.poll() is None:
        kill(server.process)


def test_acknowledged_upvotes_and_subscriptions_survive_a_sigkill(
    site: Site, running: Server
) -> None:
    acks = Acknowledged()
    ids = paper_ids()
    threads = [
        threading.Thread(
            target=upvoter,
            args=(running.url, email, token, ids[n::UPVOTERS], acks),
            daemon=True,
        )
        for n, (email, token) in enumerate(site.tokens.items())
    ]
    threads += [
        threading.Thread(target=subscriber, args=(running.url, f"sub{n}-", acks), daemon=True)
        for n in range(SUBSCRIBERS)
    ]
    for thread in threads:
        thread.start()
    # Killed mid-stream: after KILL_AFTER acknowledged writes, or once every thread is done
    # (the bound when the server refuses most writes; then the counts below tell).
    while not acks.enough.wait(0.05):
        if not any(t.is_alive() for t in threads):
            break
    kill(running.process)
    assert running.process.returncode == -signal.SIGKILL
    for thread in threads:
        thread.join(30)
        assert not thread.is_alive()

    assert acks.upvotes, f"no upvote was acknowledged: statuses {sorted(set(acks.statuses))}"
    assert acks.subscriptions, (
        f"no subscription was acknowledged: statuses {sorted(set(acks.statuses))}"
    )
    assert not [s for s in acks.statuses if s >= 500], f"server errors: {acks.statuses}"

    restarted = start_server(site, "second.log")
    try:
        with httpx.Client(base_url=restarted.url, timeout=10) as client:
            assert client.get("/healthz").status_code == 200
            for pid in sorted(pid for _, pid in acks.upvotes):
                answer = client.get(f"/api/v1/papers/{pid}")
                assert answer.status_code == 200
                assert answer.json()["upvotes_local"] == 1, pid  # one reader a paper
        store = open_store(site.db_url)
        try:
            for email, user_id in site.user_ids.items():
                kept = set(store.upvoted_ids(user_id))
                wanted_ids = {pid for who, pid in acks.upvotes if who == email}
                assert wanted_ids <= kept, f"lost upvotes of {email}: {wanted_ids - kept}"
            lost = [e for e in sorted(acks.subscriptions) if store.subscriber_by_email(e) is None]
            assert not lost, f"lost subscriptions: {lost}"
        finally:
            store.close()
    finally:
        kill(restarted.process)
