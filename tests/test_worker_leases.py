"""Claims on scheduled jobs, so that several workers can share one database: one claim
holds at a time, a claim that is not renewed runs out, and a scheduled time another
worker already ran is not run again."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]

from paperwire.errors import StoreBusy
from paperwire.store import Store, open_store
from paperwire.worker import cron_trigger, last_fire_time

pytestmark = pytest.mark.both_backends

T0 = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def test_one_claim_holds_until_it_is_let_go_or_runs_out(store: Store) -> None:
    assert store.claim_job("rank", "a", now=T0, until=T0 + 5 * MINUTE, ran_since=None)
    assert not store.claim_job("rank", "b", now=T0 + MINUTE, until=T0 + 6 * MINUTE, ran_since=None)
    assert not store.claim_job("rank", "a", now=T0 + MINUTE, until=T0 + 6 * MINUTE, ran_since=None)
    assert store.claim_job(
        "index", "b", now=T0, until=T0 + 5 * MINUTE, ran_since=None
    )  # another job
    # renewed, it holds past its first end; not renewed, it runs out
    assert store.renew_job("rank", "a", until=T0 + 10 * MINUTE)
    assert not store.renew_job("rank", "b", until=T0 + 10 * MINUTE)
    assert not store.claim_job(
        "rank", "b", now=T0 + 7 * MINUTE, until=T0 + 12 * MINUTE, ran_since=None
    )
    assert store.claim_job(
        "rank", "b", now=T0 + 10 * MINUTE, until=T0 + 15 * MINUTE, ran_since=None
    )
    assert not store.renew_job("rank", "a", until=T0 + 20 * MINUTE)  # a lost it
    # let go: free at once, and the run is recorded
    store.finish_job("rank", "b", started=T0 + 10 * MINUTE)
    assert store.job_runs()["rank"] == T0 + 10 * MINUTE
    assert store.claim_job(
        "rank", "c", now=T0 + 11 * MINUTE, until=T0 + 16 * MINUTE, ran_since=None
    )


def test_a_scheduled_time_already_run_is_not_run_again(store: Store) -> None:
    slot = T0
    assert store.claim_job("digests", "a", now=T0, until=T0 + 5 * MINUTE, ran_since=slot)
    store.finish_job("digests", "a", started=T0 + timedelta(seconds=2))
    # b's scheduler fired for the same time, a little late: a ran it already
    assert not store.claim_job(
        "digests", "b", now=T0 + MINUTE, until=T0 + 6 * MINUTE, ran_since=slot
    )
    # the refusal left no claim behind; the next scheduled time is b's to run
    nxt = T0 + timedelta(hours=1)
    assert store.claim_job("digests", "b", now=nxt, until=nxt + 5 * MINUTE, ran_since=nxt)
    # finishing records only forward
    store.finish_job("digests", "b", started=T0 - timedelta(days=1))
    assert store.job_runs()["digests"] == T0 + timedelta(seconds=2)


def test_racing_claims_one_wins(db_url: str, store: Store) -> None:
    """Eight connections (as eight workers) claim the same scheduled time at once."""
    won: list[str] = []
    start = threading.Barrier(8)

    def claim(holder: str) -> None:
        own = open_store(db_url, create=False)
        try:
            start.wait()
            for _ in range(100):  # a busy database answers StoreBusy: try again
                try:
                    if own.claim_job("digests", holder, now=T0, until=T0 + MINUTE, ran_since=T0):
                        won.append(holder)
                    return
                except StoreBusy:
                    continue
            raise AssertionError(f"{holder} found the database busy 100 times")
        finally:
            own.close()

    threads = [threading.Thread(target=claim, args=(f"w{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1


def test_the_scheduled_time_a_run_belongs_to() -> None:
    hourly = CronTrigger.from_crontab("5 * * * *", timezone="UTC")
    assert last_fire_time(hourly, T0) == datetime(2026, 7, 1, 9, 5, tzinfo=UTC)
    assert last_fire_time(hourly, T0.replace(minute=5)) == T0.replace(minute=5)
    weekly = CronTrigger.from_crontab("0 6 * * mon", timezone="UTC")
    assert last_fire_time(weekly, T0) == datetime(2026, 6, 29, 6, 0, tzinfo=UTC)
    yearly = CronTrigger.from_crontab("0 0 1 1 *", timezone="UTC")
    assert last_fire_time(yearly, T0) == datetime(2026, 1, 1, tzinfo=UTC)


def test_a_schedule_of_five_fields_or_six_with_seconds() -> None:
    assert str(cron_trigger("5 * * * *")) == str(CronTrigger.from_crontab("5 * * * *", "UTC"))
    every_five_seconds = cron_trigger("*/5 * * * * *")
    assert last_fire_time(every_five_seconds, T0 + timedelta(seconds=7)) == T0 + timedelta(
        seconds=5
    )
