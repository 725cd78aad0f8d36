"""import_files: whole-file atomicity, format sniffing, compressed and archived input;
write_pages: each page of a network source committed with its checkpoint."""

import gzip
import io
import shutil
import sqlite3
import tarfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from paperwire.errors import StoreError
from paperwire.ingest import import_files, write_pages
from paperwire.models import IngestReport, Paper, Rejected, UpsertCounts
from paperwire.sources.base import Page
from paperwire.store import Store

pytestmark = pytest.mark.both_backends


def snapshot(db_path: Path) -> list[tuple]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT * FROM papers ORDER BY id").fetchall()
    finally:
        conn.close()


def daily_sample(shared_data: Path, tmp_path: Path, n: int) -> Path:
    path = tmp_path / f"daily_{n}.jsonl.gz"
    with gzip.open(shared_data / "arxiv_daily_cs_2025_2026.jsonl.gz", "rb") as src:
        lines = [line for _, line in zip(range(n), src, strict=False)]
    with gzip.open(path, "wb") as f:
        f.writelines(lines)
    return path


@pytest.mark.sqlite_only  # reads the SQLite file itself
def test_truncated_gzip_leaves_the_database_exactly_as_it_was(shared_data, store, tmp_path):
    import_files(store, [daily_sample(shared_data, tmp_path, 100)])
    before = snapshot(tmp_path / "paperwire.db")
    whole = daily_sample(shared_data, tmp_path, 3000).read_bytes()
    truncated = tmp_path / "truncated.jsonl.gz"
    truncated.write_bytes(whole[: len(whole) * 2 // 3])
    report = import_files(store, [truncated])
    assert report.counts.new == 0
    assert len(report.errors) == 1
    assert str(truncated) in report.errors[0]
    assert not report.ok
    assert snapshot(tmp_path / "paperwire.db") == before


def test_a_broken_file_does_not_stop_the_good_ones(shared_data, store, tmp_path):
    broken = tmp_path / "broken.xml"
    broken.write_text("<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><entry>")
    good = daily_sample(shared_data, tmp_path, 10)
    report = import_files(store, [broken, good])
    assert report.counts.new == 10
    assert len(report.errors) == 1
    assert "broken.xml" in report.errors[0]


def test_unknown_format_is_an_error_naming_the_file(store, tmp_path):
    odd = tmp_path / "odd.bin"
    odd.write_bytes(b"\x00\x01\x02binary")
    report = import_files(store, [odd])
    assert report.errors == [f"{odd}: cannot tell the format; pass --format"]


def test_formats_are_recognised_in_plain_gzip_and_tar_files(shared_data, store, tmp_path):
    hf = shared_data / "hf_daily_papers" / "2026-06-12_daily_papers_30.json"
    listing = shared_data / "listing" / "papers_page_first_half.txt"
    gz = tmp_path / "hf.json.gz"
    gz.write_bytes(gzip.compress(hf.read_bytes()))
    archive = tmp_path / "bundle.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(listing, arcname="pages/listing.txt")
        info = tarfile.TarInfo("pages/README")  # no known extension: skipped
        info.size = 5
        tar.addfile(info, io.BytesIO(b"hello"))
    report = import_files(store, [gz, archive])
    assert report.ok, report.errors + [str(r) for r in report.rejected]
    assert report.counts.new == 30 + 33
    sources = store.stats().by_source
    assert sources["hf-daily"] == 30
    assert sources["listing"] == 33


def test_progress_reaches_the_total(shared_data, store, tmp_path):
    sample = daily_sample(shared_data, tmp_path, 1500)
    seen: list[tuple[int, int]] = []
    import_files(store, [sample], progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (sample.stat().st_size, sample.stat().st_size)
    assert len(seen) >= 2


def test_same_file_twice_in_one_call_is_not_duplicated(shared_data, store, tmp_path):
    sample = daily_sample(shared_data, tmp_path, 50)
    copy = tmp_path / "copy.jsonl.gz"
    shutil.copy(sample, copy)
    report = import_files(store, [sample, copy])
    assert (report.counts.new, report.counts.unchanged) == (50, 50)
    assert store.count_papers() == 50


def test_an_archive_keeps_its_good_members_and_counts_only_what_was_kept(
    shared_data, store, tmp_path
):
    good = daily_sample(shared_data, tmp_path, 40)
    lines = gzip.decompress(good.read_bytes()).splitlines(keepends=True)
    archive = tmp_path / "bundle.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in (
            ("a.jsonl", b"".join(lines[:25])),
            ("b.xml", b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><entry>"),
            ("c.jsonl", b"".join(lines[25:])),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    report = import_files(store, [archive])
    assert report.counts.new == 40
    assert len(report.errors) == 1
    assert f"{archive}!b.xml" in report.errors[0]
    assert store.count_papers() == 40
    assert report.summary() == (
        "imported 40 new, 0 updated, 0 unchanged, 0 rejected; 1 file(s) or page(s) failed"
    )


def test_a_truncated_archive_keeps_the_members_read_before_the_cut(shared_data, store, tmp_path):
    sample = daily_sample(shared_data, tmp_path, 600)
    lines = gzip.decompress(sample.read_bytes()).splitlines(keepends=True)
    archive = tmp_path / "bundle.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in (("a.jsonl", b"".join(lines[:10])), ("b.jsonl", b"".join(lines[10:]))):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    whole = archive.read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(whole[: len(whole) * 2 // 3])  # inside b.jsonl
    report = import_files(store, [cut])
    assert report.counts.new == 10 == store.count_papers()
    assert len(report.errors) == 1
    assert "cannot read" in report.errors[0]


@pytest.mark.sqlite_only  # reads the SQLite file itself
def test_a_file_is_written_in_several_short_transactions(shared_data, store, tmp_path):
    """Another connection sees the papers arrive batch by batch, not all at the end."""
    sample = daily_sample(shared_data, tmp_path, 3000)
    seen: set[int] = set()

    def progress(done: int, total: int) -> None:
        conn = sqlite3.connect(tmp_path / "paperwire.db")
        seen.add(conn.execute("SELECT count(*) FROM papers").fetchone()[0])
        conn.close()

    import_files(store, [sample], progress=progress)
    assert store.count_papers() == 3000
    assert len([n for n in seen if 0 < n < 3000]) >= 2


# -- pages of network sources ------------------------------------------------------------


def paper(n: int) -> Paper:
    return Paper(id=f"2607.{n:05d}", title=f"Paper {n}")


def upsert(store: Store, papers: Sequence[Paper]) -> UpsertCounts:
    return store.upsert_papers(papers)


def stored(store: Store, last: int) -> list[int]:
    return [n for n in range(1, last + 1) if store.get_paper(paper(n).id) is not None]


def test_each_page_is_committed_with_its_checkpoint_before_the_next_is_fetched(
    store: Store,
) -> None:
    seen: list[tuple[list[int], object]] = []

    def pages() -> Iterator[Page[Paper]]:
        yield Page("src", {"page": 1}, (paper(1), paper(2)))
        seen.append((stored(store, 3), store.get_checkpoint("src")))
        yield Page("src", {"page": 2}, (paper(3),), (Rejected("src#4", "missing title"),))
        seen.append((stored(store, 3), store.get_checkpoint("src")))
        yield Page("src", errors=("src: HTTP 500 after 3 retries",))

    report = IngestReport()
    write_pages(store, pages(), report, write=upsert)
    assert seen == [([1, 2], {"page": 1}), ([1, 2, 3], {"page": 2})]
    assert report.counts.new == 3
    assert [str(r) for r in report.rejected] == ["src#4: missing title"]
    assert report.errors == ["src: HTTP 500 after 3 retries"]
    assert store.get_checkpoint("src") == {"page": 2}  # a page without one keeps it


def test_a_checkpoint_that_cannot_be_kept_keeps_nothing_of_its_page(store: Store) -> None:
    pages = [
        Page("src", {"page": 1}, (paper(1),)),
        Page("src", {"page": 2, "at": object()}, (paper(2), paper(3))),  # not JSON
    ]
    with pytest.raises(TypeError):
        write_pages(store, pages, IngestReport(), write=upsert)
    assert stored(store, 3) == [1]
    assert store.get_checkpoint("src") == {"page": 1}


def test_records_that_cannot_be_written_leave_the_checkpoint_as_it_was(store: Store) -> None:
    def fails_after_writing(store: Store, papers: Sequence[Paper]) -> UpsertCounts:
        counts = store.upsert_papers(papers)
        if papers[0].id == paper(2).id:
            raise StoreError("the disk is full")
        return counts

    pages = [Page("src", {"page": 1}, (paper(1),)), Page("src", {"page": 2}, (paper(2),))]
    report = IngestReport()
    with pytest.raises(StoreError):
        write_pages(store, pages, report, write=fails_after_writing)
    assert stored(store, 2) == [1]
    assert store.get_checkpoint("src") == {"page": 1}
    assert report.counts.new == 1
