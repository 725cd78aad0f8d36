"""Composing into the outbox: one row per (subscriber, period), written before anything
is sent, holding the composition (the groups with their paper ids and reasons, as
JSON), the Message-ID chosen for it, and the time it was composed.

The message is rendered from the row when it is sent (``paperwire.digest.send``), the
same bytes each time: the Message-ID and the date come from the row, the MIME boundary
from the Message-ID, and the links are signed as of the row's time. So composing is
choosing papers and writing one small row per digest.

Rows are written in batches, each batch in one transaction together with the papers it
lists (``digest_sent_papers``, so no later digest repeats them). A (subscriber, period)
that has a row is never composed again, so composing twice (or after a crash half way)
adds only what is missing.
"""

from __future__ import annotations

import json
import multiprocessing
import time
import zoneinfo
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from paperwire.config import Settings, index_directory
from paperwire.digest.compose import (
    Composer,
    Digest,
    Period,
    daily_period,
    latest_period,
    weekly_period,
)
from paperwire.digest.for_you import ForYou, Pick
from paperwire.digest.render import new_message_id
from paperwire.digest.subscriptions import mail_domain
from paperwire.normalize import utcnow
from paperwire.recommend import Recommender
from paperwire.store import open_store
from paperwire.store.base import Store
from paperwire.store.base_digests import OutboxEntry, Subscriber

BATCH = 2000
#: A scheduled daily digest is composed only from papers at most this many days old.
FRESH_DAYS = 3


#: Version of the stored composition.
FORMAT = 1


def encode(digest: Digest) -> str:
    """The composition of ``digest`` as stored in its outbox row: ``{"v": 1, "g":
    [[heading, [[paper id, reason], ...]], ...]}``; a group with a note (a topic that
    found nothing new) has it third: ``[heading, [], note]``."""
    groups = [
        [g.heading, [[i.paper.id, i.reason] for i in g.items], *([g.note] if g.note else [])]
        for g in digest.groups
    ]
    return json.dumps({"v": FORMAT, "g": groups}, ensure_ascii=False, separators=(",", ":"))


def decode(content: str) -> list[tuple[str, list[tuple[str, str]], str]]:
    """The groups of a stored composition: (heading, [(paper id, reason), ...], note)."""
    data = json.loads(content)
    if data.get("v") != FORMAT:
        raise ValueError(f"unknown outbox composition format {data.get('v')!r}")
    return [
        (str(g[0]), [(str(p), str(r)) for p, r in g[1]], str(g[2]) if len(g) > 2 else "")
        for g in data["g"]
    ]


def entry_of(digest: Digest, domain: str) -> OutboxEntry:
    sub = digest.subscriber
    return OutboxEntry(
        sub.id,
        digest.period.key,
        sub.email,
        new_message_id(digest.period, sub.id, domain),
        encode(digest),
        digest.paper_ids,
    )


@dataclass(slots=True)
class ComposeReport:
    period: Period | None = None
    subscribers: int = 0
    composed: int = 0
    already: int = 0
    empty: int = 0
    searches: int = 0
    search_seconds: float = 0.0
    for_you: int = 0  # readers given recommendations
    for_you_seconds: float = 0.0
    seconds: float = 0.0
    digests: list[Digest] = field(default_factory=list)  # dry runs only

    def summary(self) -> str:
        if self.period is None:
            return "no papers: nothing to compose"
        return (
            f"{self.period.key}: {self.composed} digest(s) composed for {self.subscribers}"
            f" subscriber(s); {self.already} composed before, {self.empty} with nothing new;"
            f" {self.searches} topic search(es) ({self.search_seconds:.1f} s);"
            f" recommendations for {self.for_you} reader(s) ({self.for_you_seconds:.1f} s);"
            f" {self.seconds:.1f} s in all"
        )


def compose_outbox(
    store: Store,
    settings: Settings,
    *,
    period: Period,
    subscribers: Sequence[Subscriber],
    dry_run: bool = False,
    composer: Composer | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
    recommender: Recommender | None = None,
) -> ComposeReport:
    """Compose and render the digests of ``period`` for ``subscribers`` into the outbox
    (``dry_run``: into the report only, writing nothing). With ``workers`` > 1, that many
    processes compose and render (after this one has run the topic searches) while this
    one writes what they return. Readers' recommendations ("For you") are asked for a
    batch of subscribers at a time, from ``recommender`` (made here when not given: its
    models and shared state are read once for the whole run)."""
    started = time.perf_counter()
    report = ComposeReport(period=period, subscribers=len(subscribers))
    done = store.composed_periods(period.key)
    todo = [s for s in subscribers if s.id not in done and s.is_active]
    report.already = len(subscribers) - len(todo)
    composer = composer or Composer(store, settings, period)
    searching = time.perf_counter()
    composer.prefetch(t for s in todo for t in s.prefs.topics)
    report.search_seconds = time.perf_counter() - searching
    domain = mail_domain(settings)
    for_you = ForYou(store, settings, period, recommender=recommender)
    if workers > 1 and not dry_run and len(todo) > CHUNK:
        _compose_in_processes(store, settings, composer, for_you, domain, todo, report, workers)
        report.searches = composer.searches
        report.seconds = time.perf_counter() - started
        return report
    # Writing a batch (SQLite leaves the interpreter free while it works) runs in a
    # second thread while the next batch is composed.
    writer = ThreadPoolExecutor(1, thread_name_prefix="paperwire-outbox")
    pending: Future[int] | None = None
    try:
        for start in range(0, len(todo), BATCH):
            chunk = todo[start : start + BATCH]
            sent = store.sent_papers([s.id for s in chunk])
            picks = _picks(for_you, chunk, report)
            entries: list[OutboxEntry] = []
            for subscriber in chunk:
                digest = composer.compose(
                    subscriber, sent.get(subscriber.id, frozenset()), picks.get(subscriber.id, ())
                )
                if digest is None:
                    report.empty += 1
                elif dry_run:
                    report.digests.append(digest)
                else:
                    entries.append(entry_of(digest, domain))
            if pending is not None:
                report.composed += pending.result()
                pending = None
            if entries:
                pending = writer.submit(store.add_outbox, entries, now=utcnow())
            if progress is not None:
                progress(start + len(chunk), len(todo))
        if pending is not None:
            report.composed += pending.result()
    finally:
        writer.shutdown(wait=True)
    if dry_run:
        report.composed = len(report.digests)
    report.searches = composer.searches
    report.seconds = time.perf_counter() - started
    return report


def _picks(
    for_you: ForYou, chunk: Sequence[Subscriber], report: ComposeReport
) -> dict[int, list[Pick]]:
    started = time.perf_counter()
    picks = for_you.picks(chunk)
    report.for_you += len(picks)
    report.for_you_seconds += time.perf_counter() - started
    return picks


# -- composing in several processes -------------------------------------------------------

CHUNK = 500
_worker: tuple[Composer, str] | None = None


def _start_worker(settings: Settings, period: Period, topics: dict[str, list[str]]) -> None:
    global _worker
    store = open_store(settings.database_url)
    composer = Composer(store, settings, period, use_index=False)
    composer.preload(topics)
    _worker = (composer, mail_domain(settings))


def _compose_chunk(
    chunk: list[Subscriber], sent: dict[int, set[str]], picks: dict[int, list[Pick]]
) -> tuple[list[OutboxEntry], int]:
    assert _worker is not None, "the worker was not started"
    composer, domain = _worker
    entries: list[OutboxEntry] = []
    empty = 0
    for subscriber in chunk:
        digest = composer.compose(
            subscriber, sent.get(subscriber.id, frozenset()), picks.get(subscriber.id, ())
        )
        if digest is None:
            empty += 1
        else:
            entries.append(entry_of(digest, domain))
    return entries, empty


def _compose_in_processes(
    store: Store,
    settings: Settings,
    composer: Composer,
    for_you: ForYou,
    domain: str,
    todo: list[Subscriber],
    report: ComposeReport,
    workers: int,
) -> None:
    context = multiprocessing.get_context("spawn")  # no threads or connections inherited
    initargs = (settings, composer.period, composer.topics())
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=initargs
    ) as pool:
        waiting: deque[Future[tuple[list[OutboxEntry], int]]] = deque()
        for start in range(0, len(todo), CHUNK):
            chunk = todo[start : start + CHUNK]
            sent = store.sent_papers([s.id for s in chunk])
            picks = _picks(for_you, chunk, report)  # here: the models are read once
            waiting.append(pool.submit(_compose_chunk, chunk, sent, picks))
            while len(waiting) > 2 * workers:  # keep the workers busy, memory bounded
                _collect(store, waiting.popleft(), report)
        while waiting:
            _collect(store, waiting.popleft(), report)


def _collect(
    store: Store, future: Future[tuple[list[OutboxEntry], int]], report: ComposeReport
) -> None:
    entries, empty = future.result()
    report.empty += empty
    report.composed += store.add_outbox(entries, now=utcnow())


def compose_frequency(
    store: Store,
    settings: Settings,
    frequency: str,
    *,
    at: date | None = None,
    dry_run: bool = False,
) -> ComposeReport:
    """One pass by hand: the latest period (or the one holding ``at``) for every confirmed
    subscriber of ``frequency``."""
    period = latest_period(store, frequency, at)
    if period is None:
        return ComposeReport()
    subscribers = store.subscribers(frequency=frequency)
    return compose_outbox(store, settings, period=period, subscribers=subscribers, dry_run=dry_run)


def local_now(subscriber: Subscriber, now: datetime) -> datetime:
    try:
        zone = zoneinfo.ZoneInfo(subscriber.prefs.timezone)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        zone = zoneinfo.ZoneInfo("UTC")
    return now.astimezone(zone)


def due_period(
    store: Store, settings: Settings, subscriber: Subscriber, now: datetime, latest: date | None
) -> Period | None:
    """The period a scheduled run owes ``subscriber`` at ``now`` (None: nothing yet).

    Daily: from the configured local hour on, the latest day with papers, if it is at
    most ``FRESH_DAYS`` old (weekends and holidays have no new papers: no digest).
    Weekly: from the configured local weekday and hour on, the last complete ISO week.
    """
    local = local_now(subscriber, now)
    if local.hour < settings.digest_hour:
        return None
    today = local.date()
    if subscriber.prefs.frequency == "weekly":
        if today.weekday() < settings.digest_weekday:
            return None
        return weekly_period(today - timedelta(days=today.weekday() + 1))
    if latest is None or latest > today or (today - latest).days > FRESH_DAYS:
        return None
    return daily_period(latest)


def compose_due(
    store: Store, settings: Settings, *, now: datetime | None = None
) -> list[ComposeReport]:
    """What the scheduler runs: every confirmed subscriber whose digest is due in their
    own time zone gets the period they are owed (at most once: the outbox remembers)."""
    now = now or utcnow()
    latest = store.feed_days()[1]
    by_period: dict[Period, list[Subscriber]] = {}
    for subscriber in store.subscribers():
        period = due_period(store, settings, subscriber, now, latest)
        if period is not None:
            by_period.setdefault(period, []).append(subscriber)
    reports = []
    recommender: Recommender | None = None
    for period, subscribers in sorted(by_period.items(), key=lambda kv: kv[0].key):
        if recommender is None:  # one for every period of the run
            recommender = Recommender(store, index_dir=index_directory(settings))
        report = compose_outbox(
            store,
            settings,
            period=period,
            subscribers=subscribers,
            workers=settings.digest_workers,
            recommender=recommender,
        )
        reports.append(report)
    return reports
