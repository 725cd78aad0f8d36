"""The store contract, on a real SQLite file per test."""

import fcntl
import sqlite3
from datetime import UTC, date, datetime

import pytest

from paperwire.errors import StoreBusy, StoreError
from paperwire.models import Author, FeedDate, Paper
from paperwire.store import open_store
from paperwire.store.migrations import SQLITE as MIGRATIONS


def paper(pid: str, **fields) -> Paper:
    values = {"title": f"Title of {pid}", "abstract": "An abstract.", "sources": ["test"]}
    values.update(fields)
    return Paper(id=pid, **values)


def test_migrate_is_recorded_and_idempotent(db_url, tmp_path):
    names = [name for name, _ in MIGRATIONS]
    assert names[0] == "0001_papers"
    assert names == sorted(names) and len(set(n[:4] for n in names)) == len(names)
    store = open_store(db_url)
    assert store.migrate() == names
    assert store.migrate() == []
    assert store.pending_migrations() == []
    store.close()
    conn = sqlite3.connect(tmp_path / "paperwire.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert [r[0] for r in conn.execute("SELECT name FROM schema_migrations")] == names


def test_a_database_of_an_older_release_is_upgraded(db_url, tmp_path):
    """A database made when only the first migration existed gets the rest, papers kept."""
    conn = sqlite3.connect(tmp_path / "paperwire.db")
    conn.execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    for statement in MIGRATIONS[0][1]:
        conn.execute(statement)
    conn.execute("INSERT INTO schema_migrations VALUES ('0001_papers', '2026-01-01')")
    conn.commit()
    conn.close()
    store = open_store(db_url)
    assert store.pending_migrations() == [name for name, _ in MIGRATIONS[1:]]
    with pytest.raises(StoreError, match="paperwire db migrate"):
        store.count_papers()
    store.close()
    store = open_store(db_url)
    assert store.migrate() == [name for name, _ in MIGRATIONS[1:]]
    store.upsert_papers([paper("2401.00001")])
    assert store.count_papers() == 1
    store.close()


def test_reading_an_unmigrated_or_missing_database_is_a_clear_error(db_url, tmp_path):
    with pytest.raises(StoreError, match="no database"):
        open_store(f"sqlite:///{tmp_path / 'missing.db'}", create=False)
    store = open_store(db_url)
    with pytest.raises(StoreError, match="paperwire db migrate"):
        store.count_papers()


def test_unsupported_url():
    with pytest.raises(StoreError, match="unsupported database URL"):
        open_store("mysql://localhost/x")


@pytest.mark.both_backends
def test_upsert_counts_new_updated_unchanged_and_round_trips_every_field(store):
    full = paper(
        "2601.00001",
        version=2,
        authors=[Author("Ada Lovelace", "Analytical Engines Ltd"), Author("Charles Babbage")],
        categories=["cs.CL", "cs.LG"],
        published_at=datetime(2026, 1, 1, 12, tzinfo=UTC),
        updated_at=datetime(2026, 1, 3, tzinfo=UTC),
        comment="12 pages",
        journal_ref="J. Test 1 (2026)",
        doi="10.1000/xyz",
        license="http://creativecommons.org/licenses/by/4.0/",
        abs_url="https://arxiv.org/abs/2601.00001",
        pdf_url="https://arxiv.org/pdf/2601.00001",
        github_repo="https://github.com/a/b",
        github_stars=7,
        project_page="https://example.org",
        upvotes=3,
        submitted_by="ada",
        submitted_at=datetime(2026, 1, 2, tzinfo=UTC),
        feed_dates=[FeedDate(date(2026, 1, 2), "hf-daily")],
    )
    counts = store.upsert_papers([full, paper("2601.00002")])
    assert (counts.new, counts.updated, counts.unchanged) == (2, 0, 0)
    stored = store.get_paper("2601.00001")
    assert stored is not None
    assert stored.first_seen_at is not None
    full.first_seen_at = stored.first_seen_at
    assert stored == full

    counts = store.upsert_papers([paper("2601.00002"), paper("2601.00001", version=3, title="New")])
    assert (counts.new, counts.updated, counts.unchanged) == (0, 1, 1)
    assert store.get_paper("2601.00001").title == "New"
    assert store.get_paper("2601.00001").sources == ["test"]
    assert store.count_papers() == 2


@pytest.mark.both_backends
def test_the_same_paper_twice_in_one_batch_is_one_row(store):
    counts = store.upsert_papers(
        [paper("2601.00001", sources=["a"]), paper("2601.00001", sources=["b"], upvotes=5)]
    )
    assert counts.new == 1
    stored = store.get_paper("2601.00001")
    assert stored.sources == ["a", "b"]
    assert stored.upvotes == 5


@pytest.mark.both_backends
def test_atomic_rolls_back_everything_inside(store):
    store.upsert_papers([paper("2601.00001")])
    with pytest.raises(RuntimeError), store.atomic():
        store.upsert_papers([paper("2601.00002"), paper("2601.00001", version=9, title="X")])
        store.set_checkpoint("arxiv:cs.CV", {"start": 100})
        raise RuntimeError("crash")
    assert store.count_papers() == 1
    assert store.get_paper("2601.00001").title == "Title of 2601.00001"
    assert store.get_checkpoint("arxiv:cs.CV") is None


@pytest.mark.both_backends
def test_list_papers_newest_first_with_day_and_category_filters(store):
    store.upsert_papers(
        [
            paper(
                "2601.00001", categories=["cs.CV"], published_at=datetime(2026, 1, 1, tzinfo=UTC)
            ),
            paper(
                "2601.00002",
                categories=["cs.CL", "cs.CV"],
                published_at=datetime(2026, 1, 2, tzinfo=UTC),
                feed_dates=[FeedDate(date(2026, 1, 5), "arxiv")],
            ),
            paper(
                "2601.00003", categories=["cs.CL"], published_at=datetime(2026, 1, 3, tzinfo=UTC)
            ),
        ]
    )
    assert [p.id for p in store.list_papers()] == ["2601.00003", "2601.00002", "2601.00001"]
    assert [p.id for p in store.list_papers(category="cs.CV")] == ["2601.00002", "2601.00001"]
    assert [p.id for p in store.list_papers(day=date(2026, 1, 5))] == ["2601.00002"]
    # a paper that entered a feed is listed on its feed day, not its publication day
    assert [p.id for p in store.list_papers(day=date(2026, 1, 2))] == []
    assert [p.id for p in store.list_papers(day=date(2026, 1, 3))] == ["2601.00003"]
    assert [p.id for p in store.list_papers(limit=1)] == ["2601.00003"]
    # a category change replaces the category rows
    store.upsert_papers([paper("2601.00001", version=2, categories=["math.AG"])])
    assert [p.id for p in store.list_papers(category="cs.CV")] == ["2601.00002"]
    assert [p.id for p in store.list_papers(category="math.AG")] == ["2601.00001"]


@pytest.mark.both_backends
def test_stats_and_checkpoints(store):
    store.upsert_papers(
        [
            paper(
                "2601.00001",
                categories=["cs.CV"],
                sources=["arxiv-api", "hf-daily"],
                feed_dates=[FeedDate(date(2026, 1, 5), "hf-daily")],
            ),
            paper("2601.00002", categories=["cs.CV", "cs.CL"], sources=["arxiv-api"]),
        ]
    )
    store.set_checkpoint("oai:cs", {"from": "2026-01-01"})
    stats = store.stats()
    assert stats.papers == 2
    assert stats.by_source == {"arxiv-api": 2, "hf-daily": 1}
    assert stats.by_category == {"cs.CV": 2, "cs.CL": 1}
    assert stats.by_day == {"2026-01-05": 1}
    assert stats.checkpoints == {"oai:cs": {"from": "2026-01-01"}}
    assert store.get_checkpoint("oai:cs") == {"from": "2026-01-01"}


@pytest.mark.both_backends
def test_star_observations_are_kept_as_history(store):
    repo = "https://github.com/a/b"
    store.upsert_papers(
        [
            paper(
                "2601.00001",
                github_repo=repo,
                github_stars=10,
                submitted_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        ]
    )
    store.upsert_papers(
        [
            paper(
                "2601.00001",
                github_repo=repo,
                github_stars=10,
                submitted_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        ]
    )
    store.upsert_papers(
        [
            paper(
                "2601.00001",
                github_repo=repo,
                github_stars=25,
                submitted_at=datetime(2026, 1, 2, tzinfo=UTC),
            )
        ]
    )
    history = store.star_history("2601.00001")
    assert [stars for _, stars in history] == [10, 25]
    assert store.get_paper("2601.00001").github_stars == 25


@pytest.mark.both_backends
def test_listing_entry_merges_into_the_arxiv_record_of_the_same_title(store):
    listing = Paper(
        id="listing:abc",
        title="Saliency Maps, Explained",
        abstract="Text.",
        sources=["listing"],
        github_repo="https://github.com/o/r",
    )
    store.upsert_papers([listing])
    arxiv = paper("2601.00009", title="Saliency maps explained", sources=["arxiv-api"])
    counts = store.upsert_papers([arxiv])
    assert counts.new == 1
    assert store.get_paper("listing:abc") is None
    merged = store.get_paper("2601.00009")
    assert merged.sources == ["arxiv-api", "listing"]
    assert merged.github_repo == "https://github.com/o/r"
    assert store.count_papers() == 1
    # and a listing entry arriving after the record joins it
    again = Paper(id="listing:def", title="SALIENCY MAPS EXPLAINED", sources=["listing2"])
    counts = store.upsert_papers([again])
    assert (counts.new, counts.updated) == (0, 1)
    assert store.count_papers() == 1
    assert store.get_paper("2601.00009").sources == ["arxiv-api", "listing", "listing2"]


def test_a_write_that_cannot_start_in_time_raises_store_busy_and_writes_nothing(
    sqlite_store, tmp_path
):
    store = sqlite_store
    store.write_wait = 0.1
    holder = sqlite3.connect(tmp_path / "paperwire.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process writing
    try:
        with pytest.raises(StoreBusy, match="the database is busy"):
            store.upsert_papers([paper("2401.00001")])
        with pytest.raises(StoreBusy):
            store.set_checkpoint("x", {"a": 1})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert store.count_papers() == 0 and store.get_checkpoint("x") is None
    store.upsert_papers([paper("2401.00001")])  # free again: writes go through
    assert store.count_papers() == 1


def test_a_bulk_write_gives_way_while_another_writer_waits(sqlite_store, tmp_path):
    store = sqlite_store
    """A writer that waits holds a shared lock on ``<db>-waiting``; batches of many papers
    (imports) do not start while it does, single writes do."""
    store.write_wait = 0.1
    waiting = (tmp_path / "paperwire.db-waiting").open("rb")
    fcntl.flock(waiting, fcntl.LOCK_SH)
    try:
        with pytest.raises(StoreBusy):
            store.upsert_papers([paper(f"2401.{n:05d}") for n in range(1, 101)])
        store.upsert_papers([paper("2402.00001")])
    finally:
        fcntl.flock(waiting, fcntl.LOCK_UN)
        waiting.close()
    assert store.count_papers() == 1
    store.upsert_papers([paper(f"2401.{n:05d}") for n in range(1, 101)])
    assert store.count_papers() == 101


def test_migrations_are_numbered_once_and_in_order():
    names = [name for name, _ in MIGRATIONS]
    numbers = [int(name.split("_", 1)[0]) for name in names]
    assert numbers == list(range(1, len(names) + 1))
