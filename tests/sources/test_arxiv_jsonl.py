"""The arXiv metadata snapshot and the daily-crawl JSONL, from the real shared files."""

import gzip
import io
import json
import tarfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from paperwire.ingest import import_files
from paperwire.models import FeedDate, Paper, Rejected
from paperwire.sources.arxiv_jsonl import parse_arxiv_jsonl


def daily_lines(shared_data: Path, n: int) -> list[bytes]:
    with gzip.open(shared_data / "arxiv_daily_cs_2025_2026.jsonl.gz", "rb") as f:
        return [line for _, line in zip(range(n), f, strict=False)]


def snapshot_lines(shared_data: Path) -> list[bytes]:
    """The arXiv-snapshot metadata of the 49 papers in the unarXive sample."""
    with tarfile.open(shared_data / "unarxive_data_sample.tar.gz") as archive:
        member = next(m for m in archive if m.name.endswith(".jsonl"))
        stream = archive.extractfile(member)
        assert stream is not None
        return [json.dumps(json.loads(line)["metadata"]).encode() + b"\n" for line in stream]


def parse(lines: list[bytes]) -> list[Paper | Rejected]:
    return list(parse_arxiv_jsonl(io.BytesIO(b"".join(lines)), origin="f.jsonl"))


def test_daily_crawl_record(shared_data):
    first = parse(daily_lines(shared_data, 1))[0]
    assert isinstance(first, Paper)
    assert first.id == "2503.11731"
    assert first.title.startswith("Industrial-Grade Sensor Simulation via Gaussian Splatting")
    assert len(first.authors) == 16
    assert first.authors[0].name == "Xianming Zeng"
    assert first.categories == ["cs.CV", "cs.RO"]
    assert "\n" not in first.abstract
    assert first.abstract.startswith("Sensor simulation is pivotal for scalable validation")
    assert first.feed_dates == [FeedDate(date(2025, 3, 18), "arxiv")]
    assert first.sources == ["arxiv-daily"]
    assert first.abs_url == "https://arxiv.org/abs/2503.11731"


def test_daily_crawl_drops_acm_and_msc_classes_from_categories():
    line = json.dumps(
        {
            "id": "2501.00001",
            "title": "T",
            "authors": [],
            "summary": "S",
            "categories": ["cs.LG", "68T45", "I.2.6; I.4.2", "stat.ML"],
            "feed_dates": [],
        }
    ).encode()
    (paper,) = parse([line])
    assert paper.categories == ["cs.LG", "stat.ML"]


def test_snapshot_records(shared_data):
    papers = parse(snapshot_lines(shared_data))
    assert len(papers) == 49
    assert all(isinstance(p, Paper) for p in papers)
    first = papers[0]
    assert first.id == "2212.11867"
    assert first.version == 1
    assert first.title == (
        "Zeros of a growing number of derivatives of random polynomials with independent roots"
    )
    assert [a.name for a in first.authors] == ["Marcus Michelen", "Xuan-Truong Vu"]
    assert first.categories == ["math.PR", "math.CA", "math.CV"]
    assert first.published_at == datetime(2022, 12, 22, 17, 1, 56, tzinfo=UTC)
    assert first.license == "http://creativecommons.org/licenses/by/4.0/"
    assert first.submitted_by == "Marcus Michelen"
    assert first.comment == "12 pages"
    assert first.sources == ["arxiv-jsonl"]


def test_bad_lines_are_rejected_with_their_line_and_the_rest_kept(shared_data):
    good = daily_lines(shared_data, 3)
    lines = [
        good[0],
        b"{not json\n",
        b'{"id": "", "title": "no id"}\n',
        b'{"id": "2501.00002", "title": "   "}\n',
        b'["a list"]\n',
        good[1],
        b'{"id": "2501.00003", "title": "bad date", '
        b'"versions": [{"version": "v1", "created": "soon"}]}\n',
        b"\n",
        b'{"id": "2501.00004", "title": "bad feed date", "summary": "x", '
        b'"feed_dates": ["2025-13-45"]}\n',
        good[2],
    ]
    records = parse(lines)
    rejected = [r for r in records if isinstance(r, Rejected)]
    assert [r.where for r in rejected] == [
        "f.jsonl:2",
        "f.jsonl:3",
        "f.jsonl:4",
        "f.jsonl:5",
        "f.jsonl:7",
        "f.jsonl:9",
    ]
    assert "not valid JSON" in rejected[0].reason
    assert "missing or invalid id" in rejected[1].reason
    assert "missing title" in rejected[2].reason
    assert [p.id for p in records if isinstance(p, Paper)] == [
        "2503.11731",
        "2503.11742",
        json.loads(good[2])["id"],
    ]


def test_whole_corpus_sample_imports_twice_without_duplicates(shared_data, store, tmp_path):
    sample = tmp_path / "sample.jsonl.gz"
    with gzip.open(sample, "wb") as f:
        f.writelines(daily_lines(shared_data, 2000))
    first = import_files(store, [sample])
    assert first.ok
    assert first.counts.new == 2000
    second = import_files(store, [sample])
    assert (second.counts.new, second.counts.updated, second.counts.unchanged) == (0, 0, 2000)
    assert store.count_papers() == 2000


@pytest.mark.parametrize("fmt", ["auto", "arxiv-jsonl"])
def test_snapshot_then_daily_record_of_the_same_paper_is_one_row(shared_data, store, tmp_path, fmt):
    record = json.loads(daily_lines(shared_data, 1)[0])
    daily = tmp_path / "daily.jsonl"
    daily.write_text(json.dumps(record) + "\n")
    snapshot = tmp_path / "snapshot.jsonl"
    snapshot.write_text(
        json.dumps(
            {
                "id": record["id"],
                "title": record["title"],
                "authors": ", ".join(record["authors"]),
                "abstract": record["summary"],
                "categories": " ".join(record["categories"]),
                "versions": [
                    {"version": "v1", "created": "Fri, 14 Mar 2025 17:59:59 GMT"},
                    {"version": "v2", "created": "Mon, 17 Mar 2025 10:00:00 GMT"},
                ],
                "comments": "Code: https://github.com/example/gs-sim",
            }
        )
        + "\n"
    )
    assert import_files(store, [daily], fmt=fmt).counts.new == 1
    assert import_files(store, [snapshot], fmt=fmt).counts.updated == 1
    paper = store.get_paper(record["id"])
    assert paper.version == 2
    assert paper.sources == ["arxiv-daily", "arxiv-jsonl"]
    assert paper.feed_dates == [FeedDate(date(2025, 3, 18), "arxiv")]
    assert paper.published_at == datetime(2025, 3, 14, 17, 59, 59, tzinfo=UTC)
    assert paper.github_repo == "https://github.com/example/gs-sim"
    assert store.count_papers() == 1
