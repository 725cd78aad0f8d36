"""``paperwire worker``: the scheduler (APScheduler 3) that keeps paperwire current.

Jobs, each on a crontab schedule from the settings (UTC):

- ``fetch`` (``worker_fetch_cron``): each of ``worker_fetch_sources`` (arXiv, HF daily);
- ``rank`` (``worker_rank_cron``): trending scores (``paperwire.rank.jobs.run_rank``);
- ``index`` (``worker_index_cron``): the search index, then the quality vectors;
- ``digests`` (``worker_digest_cron``): compose the digests that are due (each
  subscriber's daily digest from ``digest_hour`` in their own time zone, weekly ones
  from ``digest_weekday``), then send the outbox (retries included).

Each run opens its own store and closes it; a job never runs twice at once, and runs
missed while the worker was down are run once, not once per miss.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler  # type: ignore[import-untyped]
from apscheduler.schedulers.base import BaseScheduler  # type: ignore[import-untyped]
from apscheduler.schedulers.blocking import BlockingScheduler  # type: ignore[import-untyped]
from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]

from paperwire.config import Settings
from paperwire.store import Store, open_store

log = logging.getLogger("paperwire.worker")


def _with_store(settings: Settings, work: Callable[[Store], str]) -> str:
    store = open_store(settings.database_url)
    try:
        summary = work(store)
    finally:
        store.close()
    log.info(summary)
    return summary


def fetch_job(settings: Settings) -> str:
    from paperwire.ingest import fetch_source

    def work(store: Store) -> str:
        lines = []
        for source in settings.worker_fetch_sources:
            report = fetch_source(store, settings, source)
            lines.append(f"fetch {source}: {report.summary()}")
        return "; ".join(lines) or "fetch: no sources configured"

    return _with_store(settings, work)


def rank_job(settings: Settings) -> str:
    from paperwire.rank.jobs import run_rank  # the trending area's job

    return _with_store(settings, lambda store: f"rank: {run_rank(store, settings)}")


def index_job(settings: Settings) -> str:
    from paperwire.index.jobs import update_index

    def work(store: Store) -> str:
        return f"index: {update_index(store, settings, quality=True).summary()}"

    return _with_store(settings, work)


def digest_job(settings: Settings) -> str:
    from paperwire.digest.outbox import compose_due
    from paperwire.digest.send import send_outbox

    def work(store: Store) -> str:
        composed = [r.summary() for r in compose_due(store, settings)]
        sent = send_outbox(store, settings)
        return "digests: " + "; ".join([*composed, sent.summary()])

    return _with_store(settings, work)


def _safely(job: Callable[[Settings], str], settings: Settings) -> Callable[[], None]:
    def run() -> None:
        try:
            job(settings)
        except Exception:  # one failing run must not stop the schedule
            log.exception("%s failed", job.__name__)

    run.__name__ = job.__name__
    return run


def add_jobs(scheduler: BaseScheduler, settings: Settings, *, fetch: bool) -> list[str]:
    """Schedule the jobs; returns their names."""
    jobs: list[tuple[str, Callable[[Settings], str], str]] = [
        ("rank", rank_job, settings.worker_rank_cron),
        ("index", index_job, settings.worker_index_cron),
        ("digests", digest_job, settings.worker_digest_cron),
    ]
    if fetch and settings.worker_fetch_sources:
        jobs.insert(0, ("fetch", fetch_job, settings.worker_fetch_cron))
    for name, job, cron in jobs:
        scheduler.add_job(
            _safely(job, settings),
            CronTrigger.from_crontab(cron, timezone="UTC"),
            id=name,
            name=name,
            replace_existing=True,
        )
    return [name for name, _, _ in jobs]


_DEFAULTS: dict[str, Any] = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}


def start_background(settings: Settings, *, fetch: bool) -> BackgroundScheduler:
    """The scheduler in a daemon thread (what ``paperwire up`` runs beside the server)."""
    scheduler = BackgroundScheduler(timezone="UTC", job_defaults=_DEFAULTS, daemon=True)
    add_jobs(scheduler, settings, fetch=fetch)
    scheduler.start()
    return scheduler


def run_worker(settings: Settings, *, fetch: bool, announce: Callable[[str], None]) -> None:
    """Run the scheduler in this thread until interrupted."""
    scheduler = BlockingScheduler(timezone="UTC", job_defaults=_DEFAULTS)
    names = add_jobs(scheduler, settings, fetch=fetch)
    announce(f"worker: scheduled {', '.join(names)} (Ctrl-C stops)")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
