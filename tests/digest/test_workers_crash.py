"""Three `paperwire worker` processes share one PostgreSQL database and one outbox; the
one sending is killed (SIGKILL) part way. Every subscriber still
receives exactly one digest: the others take the job up when the dead worker's claim
runs out, release the message it had in hand, and send the rest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from paperwire.digest.compose import daily_period
from paperwire.digest.outbox import compose_outbox
from paperwire.normalize import utcnow
from paperwire.store import Store, open_store
from paperwire.store.base_digests import Preferences
from paperwire.store.transfer import copy_database
from tests.digest.conftest import Site
from tests.digest.test_compose import LATEST
from tests.mail.smtp_server import SMTPServer

SUBSCRIBERS = 400
NEVER = "0 0 1 1 *"  # the jobs this test does not watch: not in its minutes


def holder_pid(store: Store, job: str) -> int | None:
    """The pid of the worker holding ``job`` (claims are ``host:pid:random``)."""
    holder = store.job_leases().get(job)
    return int(holder.split(":")[1]) if holder else None


def wait_for(what: str, done: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, f"no {what} within {seconds:g} s"
        time.sleep(0.05)


def test_three_workers_one_killed_every_digest_once(
    site: Site, smtp_server: SMTPServer, request: pytest.FixtureRequest
) -> None:
    emails = [f"reader{n:04d}@example.org" for n in range(SUBSCRIBERS)]
    store = site.store
    store.add_subscribers(
        [(e, Preferences("daily", [], ["diffusion"])) for e in emails], now=utcnow()
    )
    settings = site.make_settings(smtp_url=smtp_server.url)
    composed = compose_outbox(
        store, settings, period=daily_period(LATEST), subscribers=store.subscribers()
    )
    assert composed.composed == SUBSCRIBERS
    # The digest job missed its time while the workers were down: each worker that starts
    # wants to run it at once. The other jobs ran just now.
    long_ago = datetime(2026, 1, 1, tzinfo=UTC)
    store.record_job_run("digests", at=long_ago)
    for job in ("rank", "index", "quality", "recommend"):
        store.record_job_run(job, at=utcnow())
    # the same instance, moved into PostgreSQL
    database_url = request.getfixturevalue("pg_url")
    assert copy_database(settings.database_url, database_url).is_finished
    store = open_store(database_url)
    request.addfinalizer(store.close)
    env = {
        **os.environ,
        "PAPERWIRE_DATABASE_URL": database_url,
        "PAPERWIRE_SMTP_URL": smtp_server.url,
        "PAPERWIRE_SECRET_KEY": settings.secret_key,
        "PAPERWIRE_BASE_URL": settings.base_url,
        "PAPERWIRE_INDEX_DIR": str(site.folder / "paperwire.index"),
        "PAPERWIRE_DIGEST_SEND_RATE": "100",  # four seconds of sending: time to kill
        "PAPERWIRE_WORKER_DIGEST_CRON": "*/5 * * * * *",  # every five seconds
        "PAPERWIRE_WORKER_RANK_CRON": NEVER,
        "PAPERWIRE_WORKER_INDEX_CRON": NEVER,
        "PAPERWIRE_WORKER_RECOMMEND_CRON": NEVER,
        "PAPERWIRE_WORKER_QUALITY_CRON": NEVER,
        "PAPERWIRE_WORKER_LEASE_SECONDS": "3",
    }
    logs = [site.folder / f"worker{n}.log" for n in range(3)]
    workers = []
    for log in logs:
        with log.open("wb") as out:
            workers.append(
                subprocess.Popen(
                    [sys.executable, "-m", "paperwire", "worker", "--no-fetch"],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=out,
                )
            )
    try:
        wait_for("first 100 digests", lambda: smtp_server.recorder.count >= 100, 60)
        pid = holder_pid(store, "digests")
        assert pid in [w.pid for w in workers], pid
        killed = next(w for w in workers if w.pid == pid)
        killed.send_signal(signal.SIGKILL)
        killed.wait(10)
        at_kill = smtp_server.recorder.count
        assert at_kill < SUBSCRIBERS  # killed part way
        # the others take it up at a next scheduled time, once the claim ran out
        wait_for("every digest", lambda: smtp_server.recorder.count >= SUBSCRIBERS, 150)
        wait_for("an empty outbox", lambda: store.outbox_counts().get("queued", 0) == 0, 30)
        time.sleep(1)  # anything sent twice would arrive now
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGINT)
        for worker in workers:
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
    survivors = [w for w in workers if w.pid != pid]
    assert all(w.returncode == 0 for w in survivors), [
        log.read_text()[-2000:] for log, w in zip(logs, workers, strict=True) if w in survivors
    ]
    received = smtp_server.received
    by_recipient = Counter(r.rcpt_tos[0] for r in received)
    ids = Counter(r.parse()["Message-ID"] for r in received)
    assert sorted(by_recipient) == emails
    assert len(ids) == SUBSCRIBERS
    # at most the one message in flight at the kill is seen twice, with its Message-ID
    assert sum(n - 1 for n in ids.values()) <= 1
    assert sum(n - 1 for n in by_recipient.values()) <= 1
    assert store.outbox_counts()["sent"] == SUBSCRIBERS
