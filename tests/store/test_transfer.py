"""Moving and keeping an instance: the table copy between databases (SQLite files in
tmp dirs, PostgreSQL on loopback), resuming it, and backups taken while papers arrive."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import struct
import subprocess
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from paperwire.errors import StoreError
from paperwire.ingest import import_files, sample_path
from paperwire.models import Author, Paper
from paperwire.store import Store, open_store
from paperwire.store.base_digests import OutboxEntry, Preferences
from paperwire.store.base_library import StoredModel
from paperwire.store.base_rank import TrendingRow
from paperwire.store.migrations import SQLITE as MIGRATIONS
from paperwire.store.transfer import CopyResult, copy_database
from paperwire.store.transfer_backup import backup_database, restore_database
from tests.pg import server_bin

NOW = datetime(2026, 7, 1, 12, 30, tzinfo=UTC)


def vector(seed: int, dim: int = 8) -> bytes:
    """Little-endian float16, as the store keeps vectors."""
    return struct.pack(f"<{dim}e", *(((seed * 7 + i) % 13) / 13 - 0.5 for i in range(dim)))


def populate(store: Store) -> list[str]:
    """The bundled sample plus what readers leave: accounts, sessions, tokens, upvotes,
    subscriptions, outbox rows, lists, marks, notes, interests, models, vectors, a
    ranking and a checkpoint. The ids of the papers readers touched."""
    assert import_files(store, [sample_path()]).ok
    ids = [p.id for p in store.iter_papers()][:40]
    reader = store.add_user("reader@example.org", role="reader", now=NOW)
    curator = store.add_user("curator@example.org", role="curator", now=NOW)
    store.add_session("s" * 64, user_id=reader.id, now=NOW, expires_at=NOW + timedelta(days=30))
    store.add_api_token("t" * 64, user_id=curator.id, now=NOW)
    store.add_login_link("l" * 64, email="new@example.org", now=NOW, expires_at=NOW)
    for pid in ids[:12]:
        store.add_upvote(reader.id, pid, now=NOW)
    for pid in ids[5:9]:
        store.add_upvote(curator.id, pid, now=NOW)
    store.hit_rate_limit("login:127.0.0.1", limit=5, window=60.0, now=NOW)
    store.hit_rate_limit("login:127.0.0.1", limit=5, window=60.0, now=NOW)
    prefs = Preferences(frequency="weekly", categories=["cs.LG", "cs.CL"], topics=["ünïcode"])
    store.add_subscribers([(f"sub{i}@example.org", prefs) for i in range(5)], now=NOW)
    sub = store.confirm_subscription("daily@example.org", Preferences(), now=NOW)
    store.add_outbox(
        [OutboxEntry(sub.id, "2026-07-01", sub.email, "<d1@paperwire.test>", "{}", tuple(ids[:3]))],
        now=NOW,
    )
    saved = store.ensure_list(reader.id, "To read", now=NOW)
    store.add_to_list(saved.id, ids[10:20], now=NOW)
    store.set_marks(reader.id, ids[20:25], read=True, now=NOW)
    store.set_marks(reader.id, ids[25:27], hidden=True, now=NOW)
    store.set_note(reader.id, ids[10], "Read § 3 first — “good”", now=NOW)
    store.add_interest(reader.id, "author", "Ada Lovelace", now=NOW)
    weights = struct.pack("<3f", 0.5, -1.25, 2.0)  # float32, as models are kept
    store.save_models([StoredModel(reader.id, "fast", 1, weights, '{"terms": ["a"]}', NOW)])
    store.save_vectors("fast", [(pid, f"h{pid}", vector(i)) for i, pid in enumerate(ids)])
    store.save_trending(
        window="day",
        at=date(2026, 7, 1),
        rows=[
            TrendingRow(pid, 1.0 / (i + 1), "upvotes", i == 0, {"u": 0.1 * i})
            for i, pid in enumerate(ids[:6])
        ],
    )
    store.set_checkpoint("fetch:arxiv", {"after": "2026-07-01", "n": 3})
    return ids


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[str]]:
    """A populated SQLite instance, made once; tests copy from it and never write to it."""
    url = f"sqlite:///{tmp_path_factory.mktemp('instance') / 'paperwire.db'}"
    store = open_store(url)
    store.migrate()
    ids = populate(store)
    store.close()
    return url, ids


def rows_of(url: str, table: str) -> int:
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def indexes(url: str) -> list[tuple[str, str]]:
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        query = "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def assert_equal_copy(result: CopyResult) -> None:
    assert result.is_finished
    unequal = [t.name for t in result.tables if not t.is_equal]
    assert unequal == [], unequal
    assert all(len(t.source_checksum) == 32 for t in result.tables)


def test_a_copy_of_a_populated_instance_has_the_same_counts_and_checksums(instance, tmp_path):
    source, ids = instance
    target = f"sqlite:///{tmp_path / 'copy.db'}"
    result = copy_database(source, target, batch_size=500)
    assert_equal_copy(result)
    assert indexes(target) == indexes(source)
    by_name = {t.name: t for t in result.tables}
    assert by_name["papers"].rows == 3294  # the sample
    for name in ("users", "upvotes", "subscribers", "digest_outbox", "list_papers", "paper_marks"):
        assert by_name[name].rows > 0, name
        assert by_name[name].target_rows == rows_of(source, name)
    # the copy is a working instance: what readers left, and the papers' keys of the indexes
    copied, original = open_store(target, create=False), open_store(source, create=False)
    try:
        reader = copied.user_by_email("reader@example.org")
        assert reader is not None
        assert set(copied.upvoted_ids(reader.id)) == set(ids[:12])
        assert copied.keys_for_ids(ids) == original.keys_for_ids(ids)
        assert copied.vectors_of("fast", ids[:3]) == original.vectors_of("fast", ids[:3])
        assert copied.get_checkpoint("fetch:arxiv") == {"after": "2026-07-01", "n": 3}
        assert copied.pending_migrations() == []
        # new rows get new numbers, after the copied ones
        newcomer = copied.add_user("third@example.org", role="reader", now=NOW)
        assert newcomer.id > max(u.id for u in original.list_users())
    finally:
        copied.close()
        original.close()


def test_an_index_of_the_targets_own_is_there_after_the_copy(instance, tmp_path):
    source, _ = instance
    target = tmp_path / "copy.db"
    open_store(f"sqlite:///{target}").migrate()
    conn = sqlite3.connect(target)
    conn.execute("CREATE INDEX papers_by_title ON papers (title)")
    conn.commit()
    conn.close()
    assert_equal_copy(copy_database(source, f"sqlite:///{target}"))
    assert ("papers_by_title", "CREATE INDEX papers_by_title ON papers (title)") in indexes(
        f"sqlite:///{target}"
    )


def test_the_checksum_sees_a_changed_value(instance, tmp_path):
    source, ids = instance
    target = f"sqlite:///{tmp_path / 'copy.db'}"
    copy_database(source, target)
    conn = sqlite3.connect(tmp_path / "copy.db")
    conn.execute("UPDATE papers SET title = title || '.' WHERE id = ?", (ids[0],))
    conn.commit()
    conn.close()
    again = copy_database(target, f"sqlite:///{tmp_path / 'again.db'}")
    assert again.is_equal
    papers = {t.name: t for t in again.tables}["papers"]
    first = {t.name: t for t in copy_database(source, f"sqlite:///{tmp_path / 'b.db'}").tables}
    assert papers.rows == first["papers"].rows
    assert papers.source_checksum != first["papers"].source_checksum
    assert {t.name: t.source_checksum for t in again.tables if t.name != "papers"} == {
        name: t.source_checksum for name, t in first.items() if name != "papers"
    }


def test_an_interrupted_copy_resumes_and_ends_equal(instance, tmp_path):
    source, _ = instance
    target = f"sqlite:///{tmp_path / 'copy.db'}"
    stopped = copy_database(source, target, batch_size=300, max_batches=4)
    assert not stopped.is_finished and not stopped.is_equal
    assert rows_of(target, "papers") == 1200  # four batches, each committed
    with pytest.raises(StoreError, match="not empty .*--resume"):
        copy_database(source, target, batch_size=300)
    again = copy_database(source, target, batch_size=300, max_batches=9, resume=True)
    assert not again.is_finished
    assert rows_of(target, "papers") == 3294
    done = copy_database(source, target, batch_size=300, resume=True)
    assert_equal_copy(done)
    assert {t.name: t.copied for t in done.tables}["papers"] == 0
    assert indexes(target) == indexes(source)  # those left out while loading are back


def test_resume_refuses_a_target_that_is_not_a_copy_of_the_source(instance, tmp_path):
    source, _ = instance
    other = open_store(f"sqlite:///{tmp_path / 'other.db'}")
    other.migrate()
    other.upsert_papers([Paper(id="2607.99999", title="Elsewhere", authors=[Author("A. N.")])])
    other.close()
    with pytest.raises(StoreError, match="not an interrupted copy"):
        copy_database(source, f"sqlite:///{tmp_path / 'other.db'}", resume=True)


def test_bad_urls_and_sources_are_named(instance, tmp_path):
    source, _ = instance
    with pytest.raises(StoreError, match="unsupported database URL 'mysql://u:\\*\\*\\*@db/x'"):
        copy_database(source, "mysql://u:secret@db/x")
    with pytest.raises(StoreError, match=f"no database at {tmp_path / 'missing.db'}"):
        copy_database(f"sqlite:///{tmp_path / 'missing.db'}", f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(StoreError, match="same database"):
        copy_database(source, source)
    with pytest.raises(StoreError, match="cannot connect to PostgreSQL at 127.0.0.1:1/db") as e:
        copy_database(source, "postgresql://u:hunter2@127.0.0.1:1/db")
    assert "hunter2" not in str(e.value)
    assert not (tmp_path / "x.db").exists()


def test_a_source_newer_than_this_paperwire_is_refused(instance, tmp_path):
    source, _ = instance
    newer = tmp_path / "newer.db"
    copy_database(source, f"sqlite:///{newer}")
    conn = sqlite3.connect(newer)
    conn.execute("INSERT INTO schema_migrations VALUES ('9999_future', '2027-01-01')")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="9999_future, newer than this paperwire"):
        copy_database(f"sqlite:///{newer}", f"sqlite:///{tmp_path / 'target.db'}")
    assert not (tmp_path / "target.db").exists()


def older_database(path: Path) -> str:
    """A database made by the paperwire before the last migration, with one reader; the
    name of the migration it lacks."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    for name, statements in MIGRATIONS[:-1]:
        for statement in statements:
            conn.execute(statement)
        conn.execute("INSERT INTO schema_migrations VALUES (?, ?)", (name, NOW.isoformat()))
    conn.execute(
        "INSERT INTO users (id, email, role, created_at) VALUES (7, 'old@example.org', "
        "'reader', ?)",
        (NOW.isoformat(),),
    )
    conn.commit()
    conn.close()
    return MIGRATIONS[-1][0]


def test_a_source_behind_this_paperwire_is_asked_to_migrate(tmp_path):
    last = older_database(tmp_path / "older.db")
    with pytest.raises(
        StoreError, match=f"lacks the migrations {last}: run `paperwire db migrate`"
    ):
        copy_database(f"sqlite:///{tmp_path / 'older.db'}", f"sqlite:///{tmp_path / 'target.db'}")


# -- backups -------------------------------------------------------------------------------


def test_a_sqlite_backup_restores_into_an_empty_database(instance, tmp_path):
    source, ids = instance
    backup = backup_database(source, tmp_path / "backup.db")
    assert backup.format == "sqlite" and backup.tables["papers"] == 3294
    conn = sqlite3.connect(tmp_path / "backup.db")
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    conn.close()
    restored = restore_database(tmp_path / "backup.db", f"sqlite:///{tmp_path / 'new.db'}")
    assert restored.is_equal and restored.tables["papers"] == 3294
    assert restored.tables["upvotes"] == rows_of(source, "upvotes")
    with pytest.raises(StoreError, match="backup never replaces"):
        backup_database(source, tmp_path / "backup.db")


def test_restore_into_a_database_that_holds_data_refuses_unless_replacing(instance, tmp_path):
    source, _ = instance
    backup_database(source, tmp_path / "backup.db")
    target = f"sqlite:///{tmp_path / 'live.db'}"
    live = open_store(target)
    live.migrate()
    live.upsert_papers([Paper(id="2607.99999", title="Kept", authors=[Author("A. N.")])])
    live.close()
    with pytest.raises(StoreError, match="is not empty \\(papers: 1.*--force --yes"):
        restore_database(tmp_path / "backup.db", target)
    assert rows_of(target, "papers") == 1
    restored = restore_database(tmp_path / "backup.db", target, replace=True)
    assert restored.is_equal and rows_of(target, "papers") == 3294
    kept = open_store(target, create=False)
    assert kept.get_paper("2607.99999") is None
    kept.close()


def test_restore_refuses_a_file_that_is_no_backup(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(StoreError, match="neither a SQLite backup nor a pg_dump file"):
        restore_database(tmp_path / "notes.txt", f"sqlite:///{tmp_path / 'x.db'}")


def test_an_older_backup_is_brought_up_to_date_when_restored(tmp_path):
    last = older_database(tmp_path / "backup.db")
    restored = restore_database(tmp_path / "backup.db", f"sqlite:///{tmp_path / 'new.db'}")
    assert restored.is_equal and restored.tables["users"] == 1
    new = open_store(f"sqlite:///{tmp_path / 'new.db'}", create=False)
    assert new.pending_migrations() == []
    assert new.user_by_email("old@example.org") is not None
    new.close()
    conn = sqlite3.connect(tmp_path / "backup.db")  # the backup itself is left as it was
    assert last not in {r[0] for r in conn.execute("SELECT name FROM schema_migrations")}
    conn.close()


class Arrivals:
    """Papers written into ``url`` from a thread, ``batch`` a transaction, each with two
    categories, until stopped."""

    batch = 50

    def __init__(self, url: str) -> None:
        self.store = open_store(url)
        self.store.migrate()
        self.stop = threading.Event()
        self.written = 0
        self.thread = threading.Thread(target=self.write)

    def write(self) -> None:
        n = 0
        while not self.stop.is_set() and n < 400:
            first = n * self.batch
            self.store.upsert_papers(
                Paper(
                    id=f"2607.{first + i:05d}",
                    title=f"Paper {first + i}",
                    abstract="An abstract " * 20,
                    authors=[Author("A. Writer")],
                    categories=["cs.LG", "cs.CL"],
                    published_at=NOW,
                )
                for i in range(self.batch)
            )
            n += 1
            self.written = n

    def __enter__(self) -> Arrivals:
        self.thread.start()
        while self.written < 3:
            self.stop.wait(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self.store.close()


def assert_one_moment(path: Path) -> None:
    """Whole write transactions only: each batch of papers with both its categories,
    and the revision counter of the last one."""
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        papers = conn.execute("SELECT count(*) FROM papers").fetchone()[0]
        assert papers % Arrivals.batch == 0 and papers >= 3 * Arrivals.batch
        assert conn.execute("SELECT count(*) FROM paper_categories").fetchone()[0] == 2 * papers
        revision = conn.execute("SELECT value FROM counters WHERE name = 'revision'").fetchone()
        assert revision[0] == conn.execute("SELECT max(revision) FROM papers").fetchone()[0]
    finally:
        conn.close()


def test_a_backup_taken_while_papers_arrive_shows_one_moment(tmp_path):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    with Arrivals(url) as arrivals:
        backups = [backup_database(url, tmp_path / f"backup{i}.db") for i in range(3)]
        assert arrivals.thread.is_alive()  # the writes went on meanwhile
    for taken in backups:
        assert_one_moment(taken.path)


def test_a_copy_taken_while_papers_arrive_shows_one_moment(tmp_path):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    with Arrivals(url) as arrivals:
        copied = copy_database(url, f"sqlite:///{tmp_path / 'copy.db'}", batch_size=20)
        assert arrivals.thread.is_alive()
    assert_equal_copy(copied)
    assert_one_moment(tmp_path / "copy.db")


# -- PostgreSQL ----------------------------------------------------------------------------


def postgres_store_works(url: str) -> bool:
    try:
        open_store(url).migrate()
    except StoreError:
        return False
    return True


@pytest.fixture
def pg_target(pg_url: str) -> str:
    if not postgres_store_works(pg_url):
        pytest.skip("the PostgreSQL store cannot migrate a database yet (issue 13, item 1)")
    return pg_url


def test_sqlite_to_postgresql_and_back_keeps_every_row(instance, pg_target, pg_server, tmp_path):
    source, ids = instance
    there = copy_database(source, pg_target, batch_size=700)
    assert_equal_copy(there)
    back = f"sqlite:///{tmp_path / 'back.db'}"
    assert_equal_copy(copy_database(pg_target, back))
    # Row by row as they were (SQLite's row numbers of tables other than papers mean
    # nothing and are not carried: compared as PostgreSQL holds them, without).
    assert {
        t.name: t.source_checksum for t in copy_database(back, pg_server.database()).tables
    } == {t.name: t.source_checksum for t in copy_database(source, pg_server.database()).tables}
    pg = open_store(pg_target, create=False)
    original = open_store(source, create=False)
    try:
        assert pg.keys_for_ids(ids) == original.keys_for_ids(ids)
        assert pg.vectors_of("fast", ids[:3]) == original.vectors_of("fast", ids[:3])
        reader = pg.user_by_email("reader@example.org")
        assert reader is not None and set(pg.upvoted_ids(reader.id)) == set(ids[:12])
        assert pg.add_user("new@example.org", role="reader", now=NOW).id > reader.id
    finally:
        pg.close()
        original.close()


def pg_rows(url: str, table: str) -> int:
    with psycopg.connect(url) as conn:
        found = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert found is not None
    return int(found[0])


def test_an_interrupted_copy_into_postgresql_resumes(instance, pg_target):
    source, _ = instance
    stopped = copy_database(source, pg_target, batch_size=400, max_batches=3)
    assert not stopped.is_finished
    assert pg_rows(pg_target, "papers") == 1200  # each batch committed on its own
    assert_equal_copy(copy_database(source, pg_target, batch_size=400, resume=True))


def test_a_postgresql_backup_restores(instance, pg_target, pg_server, tmp_path):
    source, _ = instance
    assert_equal_copy(copy_database(source, pg_target))
    portable = backup_database(pg_target, tmp_path / "portable.db", kind="sqlite")
    assert portable.format == "sqlite" and portable.tables["papers"] == 3294
    again = pg_server.database()
    restored = restore_database(tmp_path / "portable.db", again)
    assert restored.is_equal and restored.tables["papers"] == 3294
    with pytest.raises(StoreError, match="not empty"):
        restore_database(tmp_path / "portable.db", again)


def test_a_pg_dump_backup_when_a_pg_dump_of_the_servers_version_is_on_path(
    instance, pg_target, pg_server, tmp_path, monkeypatch
):
    source, _ = instance
    assert_equal_copy(copy_database(source, pg_target))
    monkeypatch.setenv("PATH", f"{server_bin()}{os.pathsep}{os.environ['PATH']}")
    dumped = backup_database(pg_target, tmp_path / "paperwire.pgdump")
    assert dumped.format == "pg_dump" and dumped.note == ""
    again = pg_server.database()
    restored = restore_database(tmp_path / "paperwire.pgdump", again)
    assert restored.format == "pg_dump" and restored.tables["papers"] == 3294
    assert restored.tables["upvotes"] == rows_of(source, "upvotes")
    with pytest.raises(StoreError, match="restores into PostgreSQL only"):
        restore_database(tmp_path / "paperwire.pgdump", f"sqlite:///{tmp_path / 'x.db'}")


def test_an_older_pg_dump_falls_back_to_a_portable_backup(pg_target, tmp_path, monkeypatch):
    found = shutil.which("pg_dump")
    if found is None:
        pytest.skip("no pg_dump on PATH")
    shown = subprocess.run([found, "--version"], capture_output=True, text=True, check=True)
    major = int(re.search(r"(\d+)\.", shown.stdout).group(1))  # type: ignore[union-attr]
    with psycopg.connect(pg_target) as conn:
        server = int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000  # type: ignore[index]
    if major >= server:
        pytest.skip(f"the pg_dump on PATH ({major}) can dump this server ({server})")
    taken = backup_database(pg_target, tmp_path / "backup.db")
    assert taken.format == "sqlite"
    assert taken.note == f"pg_dump {major} cannot dump a PostgreSQL {server} server"
    with pytest.raises(StoreError, match=f"pg_dump {major} cannot dump"):
        backup_database(pg_target, tmp_path / "again.db", kind="pg_dump")


def test_a_postgresql_backup_taken_while_papers_arrive_shows_one_moment(pg_target, tmp_path):
    with Arrivals(pg_target) as arrivals:
        taken = backup_database(pg_target, tmp_path / "backup.db", kind="sqlite")
        assert arrivals.thread.is_alive()
    assert_one_moment(taken.path)
