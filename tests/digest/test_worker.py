"""The scheduler: which jobs, when, and the digest job on a real database."""

from __future__ import annotations

import gzip
import json
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, JobExecutionEvent  # type: ignore[import-untyped]
from apscheduler.schedulers.background import BackgroundScheduler  # type: ignore[import-untyped]
from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]

from paperwire import worker
from paperwire.config import index_directory
from paperwire.index.jobs import QUALITY_BATCH, fill_quality_slice
from paperwire.index.keyword import KeywordIndex
from paperwire.index.neighbours import processes
from paperwire.ingest import import_files
from paperwire.normalize import utcnow
from paperwire.store import Store, open_store
from paperwire.store.base_digests import Preferences
from paperwire.store.base_library import StoredModel
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
    jobs = ["rank", "index", "quality", "recommend", "digests", "discussion"]
    assert add_jobs(scheduler, settings, fetch=False) == jobs
    assert add_jobs(scheduler, settings, fetch=True) == ["fetch", *jobs]
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


def _models(store: Store, user: int) -> dict[str, StoredModel]:
    return {t: m for t in ("fast", "quality") for m in store.stored_models(t, [user])}


def test_the_recommend_job_trains_the_readers_whose_signals_changed(site: Site) -> None:
    store = site.store
    older = store.list_papers(day=date(2026, 6, 1), until=date(2026, 6, 23), limit=10_000)
    robots = [p.id for p in older if "robot" in p.title.lower()]
    graphs = [p.id for p in older if "graph" in p.title.lower()]
    ada = store.ensure_user("ada@example.org", now=utcnow()).id
    bob = store.ensure_user("bob@example.org", now=utcnow()).id
    cy = store.ensure_user("cy@example.org", now=utcnow()).id  # no signals: no model
    for user, ids in ((ada, robots[:4]), (bob, graphs[:4])):
        store.add_to_list(store.ensure_list(user, "Saved", now=utcnow()).id, ids, now=utcnow())
    assert set(store.readers_to_train("fast")) == {ada, bob}

    # What the scheduler runs (a paused one: the job is called as it would call it).
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.start(paused=True)
    try:
        add_jobs(scheduler, site.make_settings(), fetch=False)
        job = scheduler.get_job("recommend")
        assert str(job.trigger) == str(CronTrigger.from_crontab("*/10 * * * *", timezone="UTC"))
        job.func.at_once()  # as the scheduler runs a job that is due
        trained = {u: _models(store, u) for u in (ada, bob, cy)}
        assert set(trained[ada]) == set(trained[bob]) == {"fast"} and not trained[cy]
        assert trained[ada]["fast"].revision == store.signals(ada).revision
        assert store.readers_to_train("fast") == []
        # Ada saves another paper and hides one: the next run trains her model again,
        # and only hers.
        store.add_to_list(store.ensure_list(ada, "Later", now=utcnow()).id, robots[4:5],
                          now=utcnow())  # fmt: skip
        store.set_marks(ada, graphs[:1], hidden=True, now=utcnow())
        assert store.readers_to_train("fast") == [ada]
        job.func.at_once()  # as the scheduler runs a job that is due
    finally:
        scheduler.shutdown(wait=False)
    again = {u: _models(store, u) for u in (ada, bob)}
    assert again[ada]["fast"].revision == store.signals(ada).revision
    assert again[ada]["fast"].revision > trained[ada]["fast"].revision
    assert again[ada]["fast"].weights != trained[ada]["fast"].weights
    assert again[bob]["fast"] == trained[bob]["fast"]  # unchanged signals: not trained
    assert store.readers_to_train("fast") == []
    assert "recommend" in store.job_runs()


def test_an_index_run_makes_the_recommend_job_due(tmp_path: Path) -> None:
    """The index job gives new papers their vectors; readers' models are refreshed right
    after it (a real scheduler on a database of 40 papers, where both jobs are quick)."""
    from paperwire.config import Settings
    from paperwire.ingest import import_files, sample_path
    from paperwire.store import open_store

    url = f"sqlite:///{tmp_path / 'paperwire.db'}"
    few = tmp_path / "few.jsonl"
    with gzip.open(sample_path(), "rt") as lines:
        few.write_text("".join(line for _, line in zip(range(40), lines, strict=False)))
    store = open_store(url)
    store.migrate()
    assert import_files(store, [few]).counts.new == 40
    store.close()
    far = "0 0 1 1 *"  # no job would run on its own schedule during the test
    settings = Settings(
        database_url=url,
        worker_index_cron=far,
        worker_quality_cron=far,
        worker_recommend_cron=far,
        worker_rank_cron=far,
        worker_digest_cron=far,
    )
    ran: list[str] = []
    done = threading.Event()

    def executed(event: JobExecutionEvent) -> None:
        ran.append(event.job_id)
        if event.job_id == "recommend":
            done.set()

    # As start_background does, with the test's listener added before anything runs.
    scheduler = BackgroundScheduler(timezone="UTC", job_defaults=worker._DEFAULTS, daemon=True)
    scheduler.add_listener(executed, EVENT_JOB_EXECUTED)
    add_jobs(scheduler, settings, fetch=False, run_now=("index",))
    scheduler.start()
    try:
        assert done.wait(120), f"the recommend job did not run; ran: {ran}"
    finally:
        stop_background(scheduler)
        worker._STOPPING.clear()
    assert ran == ["index", "recommend"]
    store = open_store(url)
    try:
        assert {"index", "recommend"} <= set(store.job_runs())
    finally:
        store.close()


def test_the_quality_job_fills_in_slices_and_new_papers_do_not_wait_for_it(
    site: Site, tmp_path: Path
) -> None:
    """A quality run stops between two batches when told (its time is up); while one is in
    the middle of a batch, an index run makes a new paper searchable."""
    store = site.store
    settings = site.make_settings()
    before = store.count_vectors("quality")
    batches = iter([False, True])
    filled, left = fill_quality_slice(
        store, settings, seconds=3600, should_stop=lambda: next(batches)
    )
    assert filled == QUALITY_BATCH * processes(settings)  # a batch for each process
    assert store.count_vectors("quality") == before + filled
    assert left == store.count_papers() - store.count_vectors("quality") > 0

    # a backfill in the middle of a batch (held there) while a new paper arrives
    inside, release = threading.Event(), threading.Event()

    def held() -> bool:
        inside.set()
        assert release.wait(60)
        return True

    own = open_store(settings.database_url)  # the backfill's, as in another job
    backfill = threading.Thread(
        target=fill_quality_slice,
        args=(own, settings),
        kwargs={"seconds": 3600, "should_stop": held},
    )
    backfill.start()
    try:
        assert inside.wait(60)
        record = {
            "id": "2607.99999",
            "title": "Zebrafish Locomotion Graphs for Unsupervised Behaviour Discovery",
            "authors": ["Ada Lovelace"],
            "categories": ["cs.LG"],
            "summary": "We study zebrafish swimming as graphs of poses.",
            "feed_dates": ["2026-07-01"],
        }
        fresh = tmp_path / "fresh.jsonl"
        fresh.write_text(json.dumps(record) + "\n")
        assert import_files(store, [fresh]).counts.new == 1
        assert "indexed 1 papers" in index_job(settings)
        with KeywordIndex(index_directory(settings) / "keyword") as keyword:
            found = keyword.search("zebrafish locomotion", limit=3)
        assert [hit.paper_id for hit in found][:1] == ["2607.99999"]
        assert backfill.is_alive()  # the backfill is still where it was
    finally:
        release.set()
        backfill.join(60)
        own.close()
