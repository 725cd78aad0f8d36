"""The ``listing`` parser on a copied papers page (shared data, section 12) and its
pairing with arXiv records in the store."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from paperwire.errors import ParseError
from paperwire.ingest import import_files
from paperwire.models import Paper, Rejected
from paperwire.normalize import content_id
from paperwire.sources.base import Record
from paperwire.sources.listing import parse_listing
from paperwire.store import Store

LISTING = Path("listing") / "papers_page_first_half.txt"
ENTRIES = 33
HEADER_LINES = [
    "new",
    "Get trending papers in your email inbox!",
    "Subscribe",
    "byAK and the research community",
    "Mar 12",
]
FIRST_TITLE = (
    "Beyond saliency: understanding convolutional neural networks from saliency prediction "
    "on layer-wise relevance propagation"
)
ALBEF = "Align before Fuse: Vision and Language Representation Learning with Momentum Distillation"
ALBEF_ID = "listing:2f51b0e07be25dc8"
LAST_TITLE = (
    "Scaling Up Visual and Vision-Language Representation Learning With Noisy Text Supervision"
)
ABSTRACT = (
    "We study a problem that matters. Our method improves on strong baselines across "
    "several benchmarks while using fewer parameters, and we analyse why it works in "
    "detail with ablations and a theoretical argument."
)


def _records(data: bytes, origin: str = "page.txt") -> list[Record]:
    return list(parse_listing(io.BytesIO(data), origin=origin))


def _shared_papers(shared_data: Path) -> list[Paper]:
    records = _records((shared_data / LISTING).read_bytes(), origin=str(LISTING))
    papers = [r for r in records if isinstance(r, Paper)]
    assert len(papers) == len(records), [r for r in records if isinstance(r, Rejected)]
    return papers


def _arxiv(paper_id: str, title: str) -> Paper:
    return Paper(
        id=paper_id,
        version=1,
        title=title,
        abstract="An arXiv abstract.",
        categories=["cs.CV"],
        published_at=datetime(2021, 7, 16, 17, 51, 47, tzinfo=UTC),
        abs_url=f"https://arxiv.org/abs/{paper_id}",
        sources=["arxiv-jsonl"],
    )


def _snapshot(store: Store) -> list[dict[str, object]]:
    return [p.to_dict() for p in store.iter_papers()]


# -- parsing the shared page -------------------------------------------------------------


def test_shared_page_has_33_papers_and_no_header_line(shared_data: Path) -> None:
    papers = _shared_papers(shared_data)
    assert len(papers) == ENTRIES
    titles = [p.title for p in papers]
    assert titles[0] == FIRST_TITLE
    assert titles[10] == ALBEF
    assert titles[-1] == LAST_TITLE
    assert not set(titles) & set(HEADER_LINES)
    assert len(set(titles)) == ENTRIES
    for paper in papers:
        assert paper.id == content_id("listing", paper.title)
        assert paper.sources == ["listing"]
        assert len(paper.abstract) > 1000  # the whole paragraph, not a header line
        assert paper.version is None and paper.authors == []
    assert papers[0].abstract.startswith("Despite the tremendous achievements of deep")


def test_ids_are_stable(shared_data: Path) -> None:
    first = [p.id for p in _shared_papers(shared_data)]
    second = [p.id for p in _shared_papers(shared_data)]
    assert first == second
    assert first[0] == "listing:e9e36c46a70a6e85"
    assert first[10] == ALBEF_ID
    assert first[-1] == "listing:f57933f5397d2078"


def test_github_repo_from_abstract(shared_data: Path) -> None:
    repos = {p.title: p.github_repo for p in _shared_papers(shared_data)}
    assert repos[FIRST_TITLE] == "https://github.com/Hey1Li/Salient-Relevance-Propagation"
    assert repos[ALBEF] == "https://github.com/salesforce/ALBEF"  # ".../ALBEF/." in the text
    # ".../scholar-profiling/tree/main/sener": the repository, not the folder
    assert (
        repos["Small Language Model Makes an Effective Long Text Extractor"]
        == "https://github.com/THUDM/scholar-profiling"
    )
    # a github.io project page is not a repository
    assert repos["DreamLIP: Language-Image Pre-training with Long Captions"] is None
    assert repos["There and Back Again: Revisiting Backpropagation Saliency Methods"] is None
    assert sorted(repo for repo in repos.values() if repo) == [
        "https://github.com/Hey1Li/Salient-Relevance-Propagation",
        "https://github.com/THUDM/scholar-profiling",
        "https://github.com/XiaoxinHe/TAPE",
        "https://github.com/ashkamath/mdetr",
        "https://github.com/chihyaoma/cyclical-visual-captioning",
        "https://github.com/cv516Buaa/OV-VG",  # ".../OV-VG." in the text
        "https://github.com/deepglint/Croc",
        "https://github.com/emu1729/GIST",
        "https://github.com/salesforce/ALBEF",
    ]


def test_import_shared_page(shared_data: Path, store: Store) -> None:
    report = import_files(store, [shared_data / LISTING], fmt="auto")
    assert report.ok, (report.rejected, report.errors)
    assert (report.counts.new, report.counts.updated, report.counts.unchanged) == (ENTRIES, 0, 0)
    assert store.count_papers() == ENTRIES
    paper = store.get_paper(ALBEF_ID)
    assert paper is not None
    assert paper.title == ALBEF
    assert paper.github_repo == "https://github.com/salesforce/ALBEF"

    again = import_files(store, [shared_data / LISTING], fmt="auto")
    assert (again.counts.new, again.counts.updated, again.counts.unchanged) == (0, 0, ENTRIES)


# -- structure ---------------------------------------------------------------------------


def test_header_recognised_by_shape_not_by_list() -> None:
    data = (
        f"Welcome back\n\nSign in\n\nWeek 11\n\nA Made-Up Title\n\n{ABSTRACT}\n\n"
        f"Another Made-Up Title\n\n{ABSTRACT}\n"
    ).encode()
    records = _records(data)
    assert [(type(r).__name__, getattr(r, "title", None)) for r in records] == [
        ("Paper", "A Made-Up Title"),
        ("Paper", "Another Made-Up Title"),
    ]


def test_wrapped_abstract_and_crlf() -> None:
    wrapped = ABSTRACT.replace(" across ", "\r\n across ")
    records = _records(f"Title One\r\n\r\n{wrapped}\r\n".encode())
    assert len(records) == 1
    paper = records[0]
    assert isinstance(paper, Paper)
    assert paper.abstract == ABSTRACT


def test_title_without_abstract_is_rejected_with_its_line() -> None:
    data = f"new\n\nTitle One\n\n{ABSTRACT}\n\nTitle Two Has No Abstract\n".encode()
    records = _records(data)
    assert len(records) == 2
    assert isinstance(records[0], Paper) and records[0].title == "Title One"
    rejected = records[1]
    assert isinstance(rejected, Rejected)
    assert rejected.where == "page.txt:7"
    assert "title without an abstract" in rejected.reason
    assert "Title Two Has No Abstract" in rejected.reason


def test_abstract_without_title_is_rejected() -> None:
    data = f"Title One\n\n{ABSTRACT}\n\n{ABSTRACT}\n\nTitle Three\n\n{ABSTRACT}\n".encode()
    records = _records(data)
    kinds = [(type(r).__name__, getattr(r, "where", None)) for r in records]
    assert kinds == [("Paper", None), ("Rejected", "page.txt:5"), ("Paper", None)]


def test_invalid_utf8_is_a_parse_error() -> None:
    with pytest.raises(ParseError) as caught:
        _records(f"Title One\n\n{ABSTRACT}\n\nCaf\xe9\n".encode("latin-1"), origin="bad.txt")
    assert caught.value.where == "bad.txt:5"
    assert "UTF-8" in caught.value.message


def test_import_reports_rejected_title(tmp_path: Path, store: Store) -> None:
    path = tmp_path / "page.txt"
    path.write_text(f"Title One\n\n{ABSTRACT}\n\nLonely Title\n", encoding="utf-8")
    report = import_files(store, [path], fmt="auto")
    assert report.counts.new == 1
    assert report.errors == []
    assert [r.where for r in report.rejected] == [f"{path}:5"]
    assert store.get_paper(content_id("listing", "Title One")) is not None


def test_invalid_utf8_import_changes_nothing(
    shared_data: Path, tmp_path: Path, store: Store
) -> None:
    import_files(store, [shared_data / LISTING])
    before = _snapshot(store)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(f"Fresh Title\n\n{ABSTRACT}\n\n".encode() + b"Bad \xff byte\n")
    report = import_files(store, [bad], fmt="auto")
    assert len(report.errors) == 1
    assert "not valid UTF-8" in report.errors[0]
    assert str(bad) in report.errors[0]
    assert (report.counts.new, report.counts.updated, report.counts.unchanged) == (0, 0, 0)
    assert report.rejected == []
    assert _snapshot(store) == before
    assert store.get_paper(content_id("listing", "Fresh Title")) is None


# -- pairing with arXiv records ------------------------------------------------------------


def test_listing_then_arxiv_merges_into_arxiv_id(shared_data: Path, store: Store) -> None:
    import_files(store, [shared_data / LISTING])
    # the same title written with other case and spacing
    counts = store.upsert_papers([_arxiv("2107.07651", ALBEF.upper().replace(" ", "  "))])
    assert counts.new == 1
    assert store.get_paper(ALBEF_ID) is None
    paper = store.get_paper("2107.07651")
    assert paper is not None
    assert paper.sources == ["arxiv-jsonl", "listing"]
    assert paper.github_repo == "https://github.com/salesforce/ALBEF"  # kept from the listing
    assert paper.version == 1
    assert paper.categories == ["cs.CV"]
    assert store.count_papers() == ENTRIES

    # the listing seen again later changes nothing and makes no new row
    again = import_files(store, [shared_data / LISTING])
    assert (again.counts.new, again.counts.updated) == (0, 0)
    assert store.get_paper(ALBEF_ID) is None
    assert store.count_papers() == ENTRIES


def test_arxiv_then_listing_grows_sources(shared_data: Path, store: Store) -> None:
    store.upsert_papers([_arxiv("2107.07651", ALBEF)])
    report = import_files(store, [shared_data / LISTING])
    assert (report.counts.new, report.counts.updated) == (ENTRIES - 1, 1)
    assert store.count_papers() == ENTRIES
    assert store.get_paper(ALBEF_ID) is None
    paper = store.get_paper("2107.07651")
    assert paper is not None
    assert paper.sources == ["arxiv-jsonl", "listing"]
    assert paper.abstract == "An arXiv abstract."  # the arXiv record owns its fields
    assert paper.github_repo == "https://github.com/salesforce/ALBEF"

    again = import_files(store, [shared_data / LISTING])
    assert (again.counts.new, again.counts.updated, again.counts.unchanged) == (0, 0, ENTRIES)


def test_listing_and_arxiv_in_one_batch(store: Store) -> None:
    listing = Paper(
        id=content_id("listing", ALBEF), title=ALBEF, abstract=ABSTRACT, sources=["listing"]
    )
    store.upsert_papers([listing, _arxiv("2107.07651", ALBEF)])
    assert store.get_paper(ALBEF_ID) is None
    paper = store.get_paper("2107.07651")
    assert paper is not None
    assert paper.sources == ["arxiv-jsonl", "listing"]
    assert store.count_papers() == 1
