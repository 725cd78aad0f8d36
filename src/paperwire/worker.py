"""``paperwire worker``: the scheduler (APScheduler 3) that keeps paperwire current.

Jobs, each on a crontab schedule from the settings (UTC):

- ``fetch`` (``worker_fetch_cron``): each of ``worker_fetch_sources`` (arXiv, HF daily);
- ``rank`` (``worker_rank_cron``): trending scores (``paperwire.rank.jobs.run_rank``);
- ``index`` (``worker_index_cron``): the search index, then the quality vectors;
- ``recommend`` (``worker_recommend_cron``, and at once after each index run): train
  and store the models of readers whose signals changed since their model was trained
  (``paperwire.recommend.refresh_models``), so digests and ``recommend --batch`` find
  them fresh (a page trains a stale model itself);
- ``digests`` (``worker_digest_cron``): compose the digests that are due (each
  subscriber's daily digest from ``digest_hour`` in their own time zone, weekly ones
  from ``digest_weekday``), then send the outbox (retries included).

Each run opens its own store and closes it; a job never runs twice at once; a long
index run stops between two batches when the scheduler beside ``paperwire up`` is
stopped (the next run goes on from there). Runs
missed while the worker was down are run once, not once per miss: each run is recorded
in the database (``job_runs``), and a worker that starts runs at once every job with a
scheduled time between its last run and now. A job the database has no run of yet
counts as run when the worker first starts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from apscheduler.events import (  # type: ignore[import-untyped]
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    JobExecutionEvent,
)
from apscheduler.jobstores.base import JobLookupError  # type: ignore[import-untyped]
from apscheduler.schedulers import SchedulerNotRunningError  # type: ignore[import-untyped]
from apscheduler.schedulers.background import BackgroundScheduler  # type: ignore[import-untyped]
from apscheduler.schedulers.base import BaseScheduler  # type: ignore[import-untyped]
from apscheduler.schedulers.blocking import BlockingScheduler  # type: ignore[import-untyped]
from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]

from paperwire.config import Settings, index_directory
from paperwire.errors import PaperwireError
from paperwire.normalize import utcnow
from paperwire.store import Store, open_store

log = logging.getLogger("paperwire.worker")

#: Set when the scheduler beside the server stops: long jobs end at their next batch.
_STOPPING = threading.Event()


class Stopped(Exception):
    """The scheduler is stopping; the job ended between two batches."""


def _stop_point(stage: str, done: int, total: int) -> None:
    """The progress callback of long jobs: where they may stop."""
    if _STOPPING.is_set():
        raise Stopped(f"stopped during {stage} at {done} of {total}")


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
        report = update_index(store, settings, quality=True, progress=_stop_point)
        return f"index: {report.summary()}"

    return _with_store(settings, work)


def recommend_job(settings: Settings) -> str:
    from paperwire.recommend import refresh_models

    return _with_store(
        settings, lambda store: str(refresh_models(store, index_dir=index_directory(settings)))
    )


def digest_job(settings: Settings) -> str:
    from paperwire.digest.outbox import compose_due
    from paperwire.digest.send import send_outbox

    def work(store: Store) -> str:
        composed = [r.summary() for r in compose_due(store, settings)]
        sent = send_outbox(store, settings)
        return "digests: " + "; ".join([*composed, sent.summary()])

    return _with_store(settings, work)


def _safely(name: str, job: Callable[[Settings], str], settings: Settings) -> Callable[[], None]:
    def run() -> None:
        started = utcnow()
        try:
            job(settings)
        except Stopped as stop:
            log.info("%s: %s", job.__name__, stop)
        except Exception:  # one failing run must not stop the schedule
            log.exception("%s failed", job.__name__)
        finally:  # a failed run counts too: it is not run again at the next start
            _record_runs(settings, {name: started})

    run.__name__ = job.__name__
    return run


def _record_runs(settings: Settings, runs: dict[str, datetime]) -> None:
    try:
        store = open_store(settings.database_url)
        try:
            for name, at in runs.items():
                store.record_job_run(name, at=at)
        finally:
            store.close()
    except Exception:  # the schedule goes on; the next start may run the job once more
        log.exception("cannot record the runs of %s", ", ".join(runs))


def last_runs(settings: Settings) -> dict[str, datetime]:
    """When each job last ran, from the database ({} when it cannot say)."""
    try:
        store = open_store(settings.database_url)
        try:
            return store.job_runs()
        finally:
            store.close()
    except PaperwireError as exc:
        log.warning("cannot read when the jobs last ran (%s): missed runs are not caught up", exc)
        return {}


def missed(trigger: CronTrigger, last_run: datetime, now: datetime) -> bool:
    """Whether ``trigger`` had a scheduled time after ``last_run`` and up to ``now``."""
    after = trigger.get_next_fire_time(None, last_run + timedelta(seconds=1))
    return after is not None and after <= now


def add_jobs(
    scheduler: BaseScheduler,
    settings: Settings,
    *,
    fetch: bool,
    now: datetime | None = None,
    run_now: Iterable[str] = (),
) -> list[str]:
    """Schedule the jobs; a job that missed a scheduled time since its last recorded run
    (as of ``now``), or is named in ``run_now``, is due at once. Returns the job names."""
    jobs: list[tuple[str, Callable[[Settings], str], str]] = [
        ("rank", rank_job, settings.worker_rank_cron),
        ("index", index_job, settings.worker_index_cron),
        ("recommend", recommend_job, settings.worker_recommend_cron),
        ("digests", digest_job, settings.worker_digest_cron),
    ]
    if fetch and settings.worker_fetch_sources:
        jobs.insert(0, ("fetch", fetch_job, settings.worker_fetch_cron))
    now = now or utcnow()
    ran = last_runs(settings)
    first_seen: dict[str, datetime] = {}
    for name, job, cron in jobs:
        trigger = CronTrigger.from_crontab(cron, timezone="UTC")
        options: dict[str, Any] = {}
        last = ran.get(name)
        if name in run_now:
            options["next_run_time"] = now
        elif last is None:
            first_seen[name] = now
        elif missed(trigger, last, now):
            options["next_run_time"] = now  # once, however many times were missed
            log.info("%s: missed since %s, runs now", name, last.isoformat())
        scheduler.add_job(
            _safely(name, job, settings),
            trigger,
            id=name,
            name=name,
            replace_existing=True,
            **options,
        )
    if first_seen:
        _record_runs(settings, first_seen)
    scheduler.add_listener(_after_index(scheduler), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    return [name for name, _, _ in jobs]


def _after_index(scheduler: BaseScheduler) -> Callable[[JobExecutionEvent], None]:
    """A listener that makes the recommend job due at once when an index run ends (new
    papers have vectors now). A recommend run still going on is not run twice: the
    scheduler skips the extra run, and signals changed meanwhile wait for the next."""

    def listener(event: JobExecutionEvent) -> None:
        if event.job_id != "index" or _STOPPING.is_set():
            return
        try:
            scheduler.modify_job("recommend", next_run_time=utcnow())
        except (JobLookupError, SchedulerNotRunningError):  # not scheduled, or stopping
            pass

    return listener


_DEFAULTS: dict[str, Any] = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}


def start_background(
    settings: Settings, *, fetch: bool, run_now: Iterable[str] = ()
) -> BackgroundScheduler:
    """The scheduler in a daemon thread (what ``paperwire up`` runs beside the server);
    the jobs named in ``run_now`` run at once."""
    _STOPPING.clear()
    scheduler = BackgroundScheduler(timezone="UTC", job_defaults=_DEFAULTS, daemon=True)
    add_jobs(scheduler, settings, fetch=fetch, run_now=run_now)
    scheduler.start()
    return scheduler


def stop_background(scheduler: BackgroundScheduler) -> None:
    """Stop the scheduler without waiting: a running index job ends at its next batch."""
    _STOPPING.set()
    scheduler.shutdown(wait=False)


def run_worker(settings: Settings, *, fetch: bool, announce: Callable[[str], None]) -> None:
    """Run the scheduler in this thread until interrupted."""
    scheduler = BlockingScheduler(timezone="UTC", job_defaults=_DEFAULTS)
    names = add_jobs(scheduler, settings, fetch=fetch)
    announce(f"worker: scheduled {', '.join(names)} (Ctrl-C stops)")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        _STOPPING.set()  # a running index job ends at its next batch
