"""The scheduler: which jobs, when, and the digest job on a real database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler  # type: ignore[import-untyped]

from paperwire import worker
from paperwire.normalize import utcnow
from paperwire.store.base_digests import Preferences
from paperwire.worker import (
    Stopped,
    add_jobs,
    digest_job,
    index_job,
    start_background,
    stop_background,
)
from tests.digest.conftest import Site


def test_jobs_follow_the_settings(site: Site) -> None:
    settings = site.make_settings(worker_digest_cron="5 * * * *", worker_fetch_sources="arxiv")
    scheduler = BackgroundScheduler(timezone="UTC")
    assert add_jobs(scheduler, settings, fetch=False) == ["rank", "index", "digests"]
    assert add_jobs(scheduler, settings, fetch=True) == ["fetch", "rank", "index", "digests"]
    job = scheduler.get_job("digests")
    start = datetime(2026, 7, 1, 10, 7, tzinfo=UTC)
    assert job.trigger.get_next_fire_time(None, start) == datetime(2026, 7, 1, 11, 5, tzinfo=UTC)
    assert settings.worker_fetch_sources == ["arxiv"]
    none = site.make_settings(worker_fetch_sources="")
    assert "fetch" not in add_jobs(BackgroundScheduler(timezone="UTC"), none, fetch=True)


def test_the_digest_job_composes_what_is_due_and_sends_it(site: Site, tmp_path: Path) -> None:
    # Every time zone is past 07:00 somewhere only in its own time: use one whose local
    # hour is always past the configured one (digest_hour=0) for a deterministic run.
    settings = site.make_settings(digest_hour=0, smtp_url=f"file://{tmp_path / 'mail'}")
    site.store.add_subscribers(
        [("ada@example.org", Preferences("daily", [], ["diffusion"]))], now=utcnow()
    )
    summary = digest_job(settings)
    # The sample's latest day (2026-07-01) is months old: a scheduled daily digest of stale
    # papers is not sent; nothing was composed, nothing sent.
    assert "sent 0 digest(s)" in summary
    assert not (tmp_path / "mail").exists()
    assert site.store.outbox_counts()["queued"] == 0


def test_the_digest_job_sends_todays_papers_once(site: Site, tmp_path: Path) -> None:
    from paperwire.models import FeedDate, Paper

    settings = site.make_settings(digest_hour=0, smtp_url=f"file://{tmp_path / 'mail'}")
    today = utcnow().date()
    site.store.upsert_papers(
        [
            Paper(
                id="2699.00001",
                title="A Paper Listed Today",
                abstract="It is new. It is listed today. It has three sentences.",
                categories=["cs.CL"],
                feed_dates=[FeedDate(today, "arxiv")],
                sources=["test"],
            )
        ]
    )
    site.store.add_subscribers([("bob@example.org", Preferences("daily", [], []))], now=utcnow())
    assert "sent 1 digest(s)" in digest_job(settings)
    assert "sent 0 digest(s)" in digest_job(settings)  # the next run: nothing twice
    [mail] = list((tmp_path / "mail").glob("*.eml"))
    assert b"A Paper Listed Today" in mail.read_bytes()


def test_a_stopped_scheduler_ends_the_index_job_at_its_next_batch(site: Site) -> None:
    """``paperwire up`` stops its scheduler on exit; an index job computing similar papers
    then ends after the batch it is in, keeping what it stored."""
    scheduler = start_background(site.settings, fetch=False)
    try:
        stop_background(scheduler)
        with pytest.raises(Stopped, match="stopped during similar"):
            index_job(site.settings)
    finally:
        worker._STOPPING.clear()
    ids = [paper.id for paper in site.store.list_papers(limit=10_000)]
    computed = [pid for pid in ids if site.store.stored_similar(pid, limit=1) is not None]
    assert 0 < len(computed) <= 200 < len(ids)
