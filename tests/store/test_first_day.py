"""Each day once: a paper is listed on the day it was first announced, on a real SQLite
file, with real recorded listings (the bundled sample holds arXiv's crawl of Fri
2026-06-26 recorded again on Sat 27 and Sun 28)."""

import gzip
import json
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from paperwire.config import Settings
from paperwire.digest.compose import latest_period
from paperwire.ingest import import_files, sample_path
from paperwire.models import FeedDate, Paper
from paperwire.rank.compute import compute_trending
from paperwire.rank.score import Weights
from paperwire.store import Store, open_store
from paperwire.store.migrations import SQLITE as MIGRATIONS
from paperwire.store.sqlite_rows import WRITTEN, paper_row

pytestmark = pytest.mark.both_backends

FRI, SAT, SUN, MON = (date(2026, 6, 26) + timedelta(days=n) for n in range(4))
WEEKEND = (FRI, SAT, SUN)


def recorded_days() -> dict[date, list[dict]]:
    """The daily files of the crawl as recorded: each day's records, listed that day."""
    days: dict[date, list[dict]] = {day: [] for day in (*WEEKEND, MON)}
    with gzip.open(sample_path(), "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            for listed in record["feed_dates"]:
                day = date.fromisoformat(listed)
                if day in days:
                    days[day].append(dict(record, feed_dates=[listed]))
    return days


@pytest.fixture(scope="module")
def daily_files(tmp_path_factory: pytest.TempPathFactory) -> dict[date, Path]:
    folder = tmp_path_factory.mktemp("daily")
    paths = {}
    for day, records in recorded_days().items():
        paths[day] = folder / f"{day}.jsonl"
        paths[day].write_text("".join(json.dumps(r) + "\n" for r in records))
    return paths


def ids_on(store: Store, first: date, last: date | None = None) -> list[str]:
    return [p.id for p in store.list_papers(day=first, until=last, limit=100_000)]


def test_the_recording_repeats_friday_on_the_weekend():
    days = recorded_days()
    friday = {r["id"] for r in days[FRI]}
    assert len(friday) == 261
    assert {r["id"] for r in days[SAT]} == {r["id"] for r in days[SUN]} == friday
    assert not friday & {r["id"] for r in days[MON]}


def test_a_repeated_listing_is_listed_on_its_first_day_only(store, daily_files):
    assert import_files(store, [daily_files[d] for d in (*WEEKEND, MON)]).ok
    friday = ids_on(store, FRI)
    assert len(friday) == len(set(friday)) == 261
    assert ids_on(store, SAT) == ids_on(store, SUN) == []
    assert len(ids_on(store, MON)) == 166
    # every paper keeps all the days its feed named
    paper = store.get_paper(friday[0])
    assert paper is not None and [f.day for f in paper.feed_dates] == list(WEEKEND)
    assert paper.first_day == FRI
    # a week or a month counts each paper once, on its first day
    week = ids_on(store, MON - timedelta(days=7), SUN)
    assert sorted(week) == sorted(friday)
    assert sorted(ids_on(store, FRI, MON)) == sorted(friday + ids_on(store, MON))
    assert store.stats().by_day == {FRI.isoformat(): 261, MON.isoformat(): 166}


def test_day_navigation_skips_days_that_only_repeat(store, daily_files):
    assert import_files(store, [daily_files[d] for d in (*WEEKEND, MON)]).ok
    assert store.feed_days(MON) == (FRI, MON, None)
    assert store.feed_days(FRI) == (None, MON, MON)
    assert store.feed_days(SAT) == (FRI, MON, MON)  # a repeat day asked for directly
    assert store.feed_days() == (None, MON, None)


def test_an_older_dated_report_imported_later_moves_the_paper_to_its_first_day(store, daily_files):
    assert import_files(store, [daily_files[SUN]]).ok
    sunday = ids_on(store, SUN)
    assert len(sunday) == 261
    assert store.feed_days() == (None, SUN, None)
    assert import_files(store, [daily_files[SAT], daily_files[FRI]]).ok
    assert ids_on(store, SUN) == ids_on(store, SAT) == []
    assert sorted(ids_on(store, FRI)) == sorted(sunday)
    assert store.feed_days() == (None, FRI, None)


@pytest.mark.parametrize("batch", [False, True])
def test_ingest_order_does_not_matter(tmp_path, daily_files, batch):
    """Day order, reversed, and two mixed orders; file by file or in one import."""
    orders = [(FRI, SAT, SUN, MON), (MON, SUN, SAT, FRI), (SAT, MON, FRI, SUN)]
    orders.append((SUN, FRI, MON, SAT))
    seen: set[tuple] = set()
    for n, order in enumerate(orders):
        store = open_store(f"sqlite:///{tmp_path / f'order{n}.db'}")
        store.migrate()
        groups = [order] if batch else [(day,) for day in order]
        for group in groups:
            assert import_files(store, [daily_files[day] for day in group]).ok
        listing = tuple(tuple(sorted(ids_on(store, d))) for d in (*WEEKEND, MON))
        seen.add((listing, store.feed_days(), store.feed_days(SAT)))
        store.close()
    assert len(seen) == 1
    listing = next(iter(seen))[0]
    assert [len(ids) for ids in listing] == [261, 0, 0, 166]


def test_reports_merged_in_one_batch_in_either_order(store):
    sunday = Paper(id="2606.00001", title="A", feed_dates=[FeedDate(SUN, "arxiv")])
    friday = Paper(id="2606.00001", title="A", feed_dates=[FeedDate(FRI, "arxiv")])
    store.upsert_papers([sunday, friday])
    store.upsert_papers([Paper(id="2606.00002", title="B", feed_dates=[FeedDate(SAT, "x")])])
    store.upsert_papers([Paper(id="2606.00002", title="B", feed_dates=[FeedDate(FRI, "y")])])
    assert ids_on(store, FRI) == ["2606.00002", "2606.00001"]
    assert ids_on(store, SAT) == ids_on(store, SUN) == []


def test_papers_without_feed_days_are_on_their_utc_publication_or_first_seen_day(store):
    late = datetime.fromisoformat("2026-06-26T23:30:00-05:00")  # Saturday in UTC
    store.upsert_papers(
        [
            Paper(id="2606.00010", title="Published", published_at=late),
            Paper(
                id="2606.00011",
                title="Listed later than published",
                published_at=datetime(2026, 6, 20, 10, tzinfo=UTC),
                feed_dates=[FeedDate(MON, "arxiv")],
            ),
            Paper(id="2606.00012", title="Seen", first_seen_at=datetime(2026, 6, 28, tzinfo=UTC)),
        ]
    )
    assert ids_on(store, SAT) == ["2606.00010"]
    assert ids_on(store, SUN) == ["2606.00012"]
    assert ids_on(store, MON) == ["2606.00011"]
    assert ids_on(store, date(2026, 6, 20)) == []


def test_a_submission_moves_the_paper_to_its_day_and_back(store):
    now = datetime(2026, 6, 29, 9, tzinfo=UTC)
    user = store.add_user("reader@example.org", role="reader", now=now)
    paper = Paper(id="2606.00020", title="Submitted", published_at=now - timedelta(days=3))
    store.add_submission(paper, user=user, now=now)
    assert ids_on(store, MON) == ["2606.00020"]
    assert ids_on(store, MON - timedelta(days=3)) == []
    store.update_submission("2606.00020", hidden=True)  # hidden: off the daily feed
    assert ids_on(store, MON) == []
    assert ids_on(store, MON - timedelta(days=3)) == ["2606.00020"]
    store.update_submission("2606.00020", hidden=False)
    assert ids_on(store, MON) == ["2606.00020"]
    assert store.remove_submission("2606.00020")
    assert ids_on(store, MON) == []


def test_rankings_and_digests_stand_on_the_last_day_with_new_papers(store, daily_files):
    assert import_files(store, [daily_files[d] for d in WEEKEND]).ok
    assert store.latest_activity_day() == FRI
    assert latest_period(store, "daily") is not None
    assert latest_period(store, "daily").start == FRI  # type: ignore[union-attr]
    weights = Weights.from_settings(Settings())
    friday = {p.id for p, _ in compute_trending(store, weights, window="day", at=FRI)}
    assert len(friday) == 261
    # Sunday's repeat of Friday's listing is no news: nothing new, voted or starred
    assert compute_trending(store, weights, window="day", at=SUN) == []
    # the week holding Friday lists each of them once
    week = [p.id for p, _ in compute_trending(store, weights, window="week", at=SUN)]
    assert sorted(week) == sorted(friday)


def test_migration_fills_the_day_of_stored_papers(tmp_path):
    """A database of the release before: papers stored without a day get theirs."""
    path = tmp_path / "old.db"
    before = [(n, s) for n, s in MIGRATIONS if n != "0007_first_day"]
    assert len(before) == len(MIGRATIONS) - 1
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    for name, statements in before:
        for statement in statements:
            conn.execute(statement)
        conn.execute("INSERT INTO schema_migrations VALUES (?, '2026-06-01')", (name,))
    records = [json.loads(line) for line in gzip.open(sample_path(), "rt", encoding="utf-8")]
    papers = [
        Paper(
            id=r["id"],
            title=r["title"],
            feed_dates=[FeedDate(date.fromisoformat(d), "arxiv") for d in r["feed_dates"]],
        )
        for r in records[:500]
    ]
    papers += [
        Paper(id="p.offset", title="t", published_at=datetime.fromisoformat("2026-06-26T23:30-05")),
        Paper(id="p.naive", title="t", published_at=datetime(2026, 6, 25, 23, 30)),
        Paper(id="p.seen", title="t", first_seen_at=datetime(2026, 6, 24, 1, tzinfo=UTC)),
        Paper(
            id="p.both",
            title="t",
            published_at=datetime(2026, 6, 1, tzinfo=UTC),
            feed_dates=[FeedDate(SUN, "hf-daily"), FeedDate(FRI, "arxiv")],
        ),
    ]
    columns = [c for c in WRITTEN if c != "first_day"]
    at = WRITTEN.index("first_day")
    now = datetime(2026, 6, 30, tzinfo=UTC)
    rows = [paper_row(p, now) for p in papers]
    rows = [(*row[:at], *row[at + 1 :], n) for n, row in enumerate(rows)]
    conn.executemany(
        f"INSERT INTO papers ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        rows,
    )
    conn.commit()
    conn.close()

    store = open_store(f"sqlite:///{path}")
    assert store.migrate() == ["0007_first_day"]
    stored = {p.id: p for p in store.iter_papers()}
    days = dict(sqlite3.connect(path).execute("SELECT id, first_day FROM papers"))
    assert {i: date.fromisoformat(d) for i, d in days.items()} == {
        i: p.first_day for i, p in stored.items()
    }
    assert days["p.offset"] == "2026-06-27"
    assert days["p.naive"] == "2026-06-25"
    assert days["p.seen"] == "2026-06-24"
    assert days["p.both"] == FRI.isoformat()
    assert "p.both" in ids_on(store, FRI) and "p.both" not in ids_on(store, SUN)
    store.close()
