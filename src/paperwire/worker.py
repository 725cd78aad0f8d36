"""``paperwire worker``: the scheduler (APScheduler 3) that keeps paperwire current.

Jobs, each on a crontab schedule from the settings (UTC):

- ``fetch`` (``worker_fetch_cron``): each of ``worker_fetch_sources`` (arXiv, HF daily);
- ``rank`` (``worker_rank_cron``): trending scores (``paperwire.rank.jobs.run_rank``);
- ``index`` (``worker_index_cron``, every minute, and at once after each fetch): the
  keyword index, fast vectors, similar papers and days' topics of new and changed papers;
- ``quality`` (``worker_quality_cron``): missing quality vectors, newest papers first,
  for at most ``worker_quality_minutes`` a run (a long backfill goes on over many runs),
  beside the index job: new papers never wait for it;
- ``recommend`` (``worker_recommend_cron``, and at once after each index run): train
  and store the models of readers whose signals changed since their model was trained
  (``paperwire.recommend.refresh_models``), so digests and ``recommend --batch`` find
  them fresh (a page trains a stale model itself);
- ``digests`` (``worker_digest_cron``): compose the digests that are due (each
  subscriber's daily digest from ``digest_hour`` in their own time zone, weekly ones
  from ``digest_weekday``), then send the outbox (retries included);
- ``discussion`` (``worker_discussion_cron``): mail followers the new comments of the
  discussions they follow (``paperwire.discussion_mail.mail_followers``).

Each run opens its own store and closes it; a long index run stops between two batches
when the scheduler beside ``paperwire up`` is stopped (the next run goes on from there).
Runs missed while the worker was down are run once, not once per miss: each run is
recorded in the database (``job_runs``), and a worker that starts runs at once every job
with a scheduled time between its last run and now. A job the database has no run of
yet counts as run when the worker first starts.

Any number of workers may share one database. A run first claims its job in the
database (``job_leases``): a job never runs in two places at once, and a scheduled time
is run once, by the first worker to claim it (the others find it already run since that
time and skip it). The claim is a lease of ``worker_lease_seconds``, renewed while the
job runs; a worker that dies frees its jobs when the lease runs out.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import uuid
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
#: Set by a fetch that stored new or changed papers (the index job follows at once), and
#: by an index run that indexed some (the recommend job follows at once).
_FETCHED = threading.Event()
_INDEXED = threading.Event()

#: Who claims jobs in this process (host, pid and a random part, as the outbox's senders).
HOLDER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


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
            if report.counts.new or report.counts.updated:
                _FETCHED.set()
        return "; ".join(lines) or "fetch: no sources configured"

    return _with_store(settings, work)


def rank_job(settings: Settings) -> str:
    from paperwire.rank.jobs import run_rank  # the trending area's job

    return _with_store(settings, lambda store: f"rank: {run_rank(store, settings)}")


def index_job(settings: Settings) -> str:
    from paperwire.index.jobs import update_index

    def work(store: Store) -> str:
        report = update_index(store, settings, progress=_stop_point)
        if report.keyword:
            _INDEXED.set()
        return f"index: {report.summary()}"

    return _with_store(settings, work)


def quality_job(settings: Settings) -> str:
    from paperwire.index.jobs import fill_quality_slice

    def work(store: Store) -> str:
        filled, left = fill_quality_slice(
            store,
            settings,
            seconds=settings.worker_quality_minutes * 60,
            should_stop=_STOPPING.is_set,
        )
        return f"quality: {filled} vectors, {left} to go"

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


def discussion_job(settings: Settings) -> str:
    from paperwire.discussion_mail import mail_followers

    return _with_store(settings, lambda store: mail_followers(store, settings).summary())


def cron_trigger(cron: str) -> CronTrigger:
    """The schedule of a crontab line, in UTC: five fields (minute hour day month
    weekday), or six with seconds first (``*/5 * * * * *``: every five seconds)."""
    fields = cron.split()
    if len(fields) != 6:
        return CronTrigger.from_crontab(cron, timezone="UTC")
    second, minute, hour, day, month, weekday = fields
    return CronTrigger(
        second=second,
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=weekday,
        timezone="UTC",
    )


def last_fire_time(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The latest time ``trigger`` fired at or before ``now`` (looking back up to a year)."""
    for back in (timedelta(hours=1), timedelta(days=1), timedelta(days=32), timedelta(days=366)):
        latest: datetime | None = None
        at: datetime | None = trigger.get_next_fire_time(None, now - back)
        while at is not None and at <= now:
            latest = at
            at = trigger.get_next_fire_time(at, at + timedelta(seconds=1))
        if latest is not None:
            return latest
    return None


class _Renewal:
    """Renews the claim on a running job every third of its lease until stopped."""

    def __init__(self, settings: Settings, name: str) -> None:
        self.settings, self.name = settings, name
        self.lease = timedelta(seconds=settings.worker_lease_seconds)
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.wait(self.lease.total_seconds() / 3):
            try:
                store = open_store(self.settings.database_url)
                try:
                    held = store.renew_job(self.name, HOLDER, until=utcnow() + self.lease)
                finally:
                    store.close()
            except PaperwireError as exc:
                log.warning("%s: cannot renew the claim on the job (%s)", self.name, exc)
                continue
            if not held:
                log.warning(
                    "%s: the claim on the job ran out and another worker took it", self.name
                )

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


class _Run:
    """One scheduled job: claims it, runs it, records the run and lets the claim go.

    A run skips the scheduled time another worker already ran (or is running); with
    ``force_next`` set (a run asked for at once: ``run_now``, or recommend after an index
    run) it runs unless the job is running somewhere at that moment."""

    def __init__(
        self, name: str, job: Callable[[Settings], str], trigger: CronTrigger, settings: Settings
    ) -> None:
        self.name, self.job, self.trigger, self.settings = name, job, trigger, settings
        self.force_next = False
        self.__name__ = job.__name__

    def __call__(self) -> None:
        started = utcnow()
        force, self.force_next = self.force_next, False
        since = None if force else last_fire_time(self.trigger, started)
        if not self._claim(started, since):
            return
        renewal = _Renewal(self.settings, self.name)
        try:
            self.job(self.settings)
        except Stopped as stop:
            log.info("%s: %s", self.__name__, stop)
        except Exception:  # one failing run must not stop the schedule
            log.exception("%s failed", self.__name__)
        finally:  # a failed run counts too: it is not run again at the next start
            renewal.stop()
            self._finish(started)

    def at_once(self) -> None:
        """Run now, as a run asked for at once (unless it is running elsewhere)."""
        self.force_next = True
        self()

    def _claim(self, now: datetime, since: datetime | None) -> bool:
        try:
            store = open_store(self.settings.database_url)
            try:
                lease = timedelta(seconds=self.settings.worker_lease_seconds)
                claimed = store.claim_job(
                    self.name, HOLDER, now=now, until=now + lease, ran_since=since
                )
            finally:
                store.close()
        except PaperwireError as exc:
            log.warning("%s: cannot claim the job, not run (%s)", self.name, exc)
            return False
        if not claimed:
            log.info("%s: running in another worker or already run since %s", self.name, since)
        return claimed

    def _finish(self, started: datetime) -> None:
        try:
            store = open_store(self.settings.database_url)
            try:
                store.finish_job(self.name, HOLDER, started=started)
            finally:
                store.close()
        except Exception:  # the schedule goes on; the claim runs out by itself
            log.exception("cannot record the run of %s", self.name)


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
        ("quality", quality_job, settings.worker_quality_cron),
        ("recommend", recommend_job, settings.worker_recommend_cron),
        ("digests", digest_job, settings.worker_digest_cron),
        ("discussion", discussion_job, settings.worker_discussion_cron),
    ]
    if fetch and settings.worker_fetch_sources:
        jobs.insert(0, ("fetch", fetch_job, settings.worker_fetch_cron))
    now = now or utcnow()
    ran = last_runs(settings)
    first_seen: dict[str, datetime] = {}
    for name, job, cron in jobs:
        trigger = cron_trigger(cron)
        options: dict[str, Any] = {}
        last = ran.get(name)
        if name in run_now:
            options["next_run_time"] = now
        elif last is None:
            first_seen[name] = now
        elif missed(trigger, last, now):
            options["next_run_time"] = now  # once, however many times were missed
            log.info("%s: missed since %s, runs now", name, last.isoformat())
        run = _Run(name, job, trigger, settings)
        run.force_next = name in run_now
        scheduler.add_job(
            run,
            trigger,
            id=name,
            name=name,
            replace_existing=True,
            **options,
        )
    if first_seen:
        _record_runs(settings, first_seen)
    scheduler.add_listener(_follow_up(scheduler), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    return [name for name, _, _ in jobs]


def _follow_up(scheduler: BaseScheduler) -> Callable[[JobExecutionEvent], None]:
    """A listener that makes a job due at once when the one before it brought something
    new: the index job after a fetch that stored papers (they are searchable within the
    minute), the recommend job after an index run that indexed papers (they have vectors
    now). A run still going on is not run twice: the scheduler skips the extra run."""

    def listener(event: JobExecutionEvent) -> None:
        if _STOPPING.is_set():
            return
        for after, flag, then in (("fetch", _FETCHED, "index"), ("index", _INDEXED, "recommend")):
            if event.job_id == after and flag.is_set():
                flag.clear()
                _run_at_once(scheduler, then)

    return listener


def _run_at_once(scheduler: BaseScheduler, name: str) -> None:
    job = scheduler.get_job(name)
    if job is None:
        return
    if isinstance(job.func, _Run):
        job.func.force_next = True
    try:
        scheduler.modify_job(name, next_run_time=utcnow())
    except (JobLookupError, SchedulerNotRunningError):  # not scheduled, or stopping
        pass


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


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(0)


def run_worker(settings: Settings, *, fetch: bool, announce: Callable[[str], None]) -> None:
    """Run the scheduler in this thread until interrupted. SIGINT and SIGTERM stop it
    alike, also when it was started with SIGINT ignored (in the background of a shell
    without job control)."""
    if threading.current_thread() is threading.main_thread():
        for stopping in (signal.SIGINT, signal.SIGTERM):
            signal.signal(stopping, _stop)
    scheduler = BlockingScheduler(timezone="UTC", job_defaults=_DEFAULTS)
    names = add_jobs(scheduler, settings, fetch=fetch)
    announce(f"worker: scheduled {', '.join(names)} (Ctrl-C stops)")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        _STOPPING.set()  # a running index job ends at its next batch
