"""The scheduler across restarts: each run is recorded in the database, and a worker that
starts again runs at once (and once) every job that missed a scheduled time."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler  # type: ignore[import-untyped]

from paperwire.store import open_store
from paperwire.worker import add_jobs
from tests.digest.conftest import Site

#: Rank runs at :45 each hour, index every minute, digests every 15 minutes, fetch at
#: 00:30, 06:30, 12:30 and 18:30 (the defaults).
NOW = datetime(2026, 7, 1, 12, 20, tzinfo=UTC)


def scheduled(site: Site, **settings: object) -> BackgroundScheduler:
    """A scheduler that was given the jobs but runs none (paused)."""
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.start(paused=True)
    add_jobs(scheduler, site.make_settings(**settings), fetch=True, now=NOW)
    return scheduler


def test_a_restart_runs_at_once_what_it_missed(site: Site) -> None:
    store = site.store
    store.record_job_run("fetch", at=NOW - timedelta(hours=6, minutes=5))  # missed 06:30
    store.record_job_run("rank", at=NOW - timedelta(hours=3))  # missed three, runs once
    store.record_job_run("index", at=NOW)  # 12:20: next is 12:21
    store.record_job_run("digests", at=NOW - timedelta(minutes=4))  # 12:16: next is 12:30
    scheduler = scheduled(site)
    try:
        due = {job.id: job.next_run_time for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
    assert due["fetch"] == NOW
    assert due["rank"] == NOW
    assert due["index"] > NOW and due["digests"] > NOW


def test_without_recorded_runs_nothing_runs_at_once_and_the_start_is_recorded(
    site: Site,
) -> None:
    scheduler = scheduled(site)
    try:
        assert all(job.next_run_time > NOW for job in scheduler.get_jobs())
    finally:
        scheduler.shutdown(wait=False)
    assert site.store.job_runs() == {
        name: NOW
        for name in ("fetch", "rank", "index", "quality", "recommend", "digests", "discussion")
    }


def test_jobs_named_to_run_now_are_due_at_once(site: Site) -> None:
    """``paperwire up`` starts the index job at once (similar papers beside the server)."""
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.start(paused=True)
    try:
        add_jobs(scheduler, site.make_settings(), fetch=False, now=NOW, run_now=("index",))
        due = {job.id: job.next_run_time for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
    assert due["index"] == NOW
    assert due["rank"] > NOW and due["digests"] > NOW


def test_a_run_is_recorded_when_it_ends(site: Site) -> None:
    settings = site.make_settings(digest_hour=0, worker_fetch_sources="")
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.start(paused=True)
    try:
        add_jobs(scheduler, settings, fetch=False, now=NOW)
        job = scheduler.get_job("digests")
        before = datetime.now(UTC).replace(microsecond=0)
        job.func()  # what the scheduler calls: the digest job, then its record
    finally:
        scheduler.shutdown(wait=False)
    store = open_store(settings.database_url)  # what the next worker reads
    try:
        ran = store.job_runs()
    finally:
        store.close()
    assert ran["digests"] >= before
    assert ran["rank"] == NOW  # only seen, not run
    # Recorded times only move forward.
    site.store.record_job_run("digests", at=NOW - timedelta(days=30))
    assert site.store.job_runs()["digests"] == ran["digests"]


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_the_worker_stops_cleanly_on_sigint_and_sigterm(site: Site, stop: int) -> None:
    """Also when a shell without job control started it in the background, where SIGINT
    arrives ignored."""
    settings = site.make_settings()
    log = site.folder / "worker.log"
    env = {
        **os.environ,
        "PAPERWIRE_DATABASE_URL": settings.database_url,
        "PAPERWIRE_INDEX_DIR": str(site.folder / "paperwire.index"),
    }
    worker = f"{shlex.quote(sys.executable)} -m paperwire worker --no-fetch"
    shell = subprocess.Popen(
        ["sh", "-c", f'{worker} >{shlex.quote(str(log))} 2>&1 & echo $!; wait $!; echo "exit $?"'],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert shell.stdout is not None
    pid = int(shell.stdout.readline())
    try:
        deadline = time.monotonic() + 60
        while "Scheduler started" not in (log.read_text() if log.exists() else ""):
            assert time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.2)
        os.kill(pid, stop)
        out, _ = shell.communicate(timeout=30)
    finally:
        if shell.poll() is None:
            os.kill(pid, signal.SIGKILL)
            shell.kill()
    assert out.strip() == "exit 0", log.read_text()[-2000:]
