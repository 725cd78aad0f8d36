"""``paperwire import`` of hostile files (tests/data/hostile): every bad line is named with
its file:line and a plain reason, every good line is stored, and nothing stored holds a
control character or an unsafe link."""

from __future__ import annotations

import io
import re
import shutil
import tarfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from paperwire.cli import cli
from paperwire.gate import FUTURE_SLACK
from paperwire.models import Paper, Rejected
from paperwire.normalize import CONTROL_CHARS
from paperwire.sources.abs import parse_abs, parse_abs_text
from paperwire.sources.arxiv_oai import parse_arxiv_oai
from paperwire.sources.arxiv_rss import parse_arxiv_rss
from paperwire.sources.listing import parse_listing
from paperwire.store import open_store
from tests.conftest import SHARED_DATA, TEST_DATA

HOSTILE = TEST_DATA / "hostile"

#: line of mixed.jsonl -> what its reason says (see tests/data/hostile/README.md)
MIXED_REJECTED = {
    2: "feed date 9999-12-31 is out of range (1986-01-01 to ",
    3: "pdf must be text, not an object",
    4: "not valid JSON: nested too deeply",
    6: "missing or invalid id '2503.12345v99999999999999999999'",
    7: "abs_url must be an http(s) address, not 'javascript:alert(1)'",
    8: "pdf_url must be an http(s) address, not 'javascript:alert(1)'",
    9: "missing or invalid id '2513.00001'",
    10: "missing or invalid id '9999.99999'",
    12: "title must be text, not a list",
    14: "authors must be a list of text, not of a number",
    15: "bad feed date '2025-13-45' (expected YYYY-MM-DD)",
    16: "published_at 9999-12-31 is out of range (1986-01-01 to ",
    17: "bad version 'v99999999999999999999' in versions",
    19: "abs_url must be an http(s) address, not 'data:text/html,",
    20: "missing or invalid id 'hep-th/9913001'",
    21: "not a JSON object",
    22: "authors must be a list, not text",
}
MIXED_KEPT = ["2503.11731", "2503.11742", "2503.70011", "2503.11750", "2503.70018"]
SIZES_REJECTED = {
    2: "abstract is too long: 10,000,000 characters, at most 20,000",
    4: "too many authors: 20,000, at most 10,000",
}
SIZES_KEPT = ["2503.70101", "2503.70103", "2503.70105"]
ATOM_REJECTED = {
    2: "abs_url must be an http(s) address, not 'javascript:alert(1)'",
    3: "not an arXiv id: 'http://arxiv.org/abs/2513.00001v1'",
    4: "published_at 9999-12-31 is out of range (1986-01-01 to ",
    5: "pdf_url must be an http(s) address, not 'data:text/html,",
}
ATOM_KEPT = ["2401.01234", "2401.01239"]
HF_REJECTED = {
    2: "project_page must be an http(s) address, not 'javascript:alert(1)'",
    3: "title must be text, not an object",
    4: "submitted_at 9999-12-31 is out of range (1986-01-01 to ",
    5: "github_stars 99999999999999999999 is out of range (0 to 1,000,000,000)",
    6: "upvotes must be a whole number, not text",
}
HF_KEPT = ["2606.00001", "2606.00007"]
# Words that only Python internals use; none may reach a reader.
INTERNALS = re.compile(r"Traceback|Error\b|object has no attribute|NoneType|\bdict\b|\blist'")


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


@pytest.fixture
def hostile(tmp_path: Path) -> dict[str, Path]:
    names = ("mixed.jsonl", "sizes.jsonl.gz", "api_answer.atom", "daily_papers.json")
    for name in (*names, "nested.json"):
        shutil.copy(HOSTILE / name, tmp_path / name)
    return {name.split(".")[0]: tmp_path / name for name in (*names, "nested.json")}


def import_files(db_url: str, *args: str) -> Result:
    return CliRunner().invoke(
        cli, ["--database-url", db_url, "import", *args], catch_exceptions=False
    )


def test_import_rejects_each_bad_record_and_keeps_every_good_one(
    db_url: str, hostile: dict[str, Path]
) -> None:
    files = [hostile[name] for name in ("mixed", "sizes", "api_answer", "daily_papers")]
    result = import_files(db_url, *map(str, files))

    assert result.exit_code == 1, result.output
    kept = MIXED_KEPT + SIZES_KEPT + ATOM_KEPT + HF_KEPT
    expected = [
        (f"{hostile['mixed']}:{{}}", MIXED_REJECTED),
        (f"{hostile['sizes']}:{{}}", SIZES_REJECTED),
        (f"{hostile['api_answer']}#entry{{}}", ATOM_REJECTED),
        (f"{hostile['daily_papers']}#item{{}}", HF_REJECTED),
    ]
    rejected = sum(len(reasons) for _, reasons in expected)
    assert f"imported {len(kept)} new, 0 updated, 0 unchanged, {rejected} rejected" in (
        result.stdout
    )
    for where, reasons in expected:
        for number, reason in reasons.items():
            assert f"{where.format(number)}: {reason}" in result.stderr
    assert len(re.findall(rf"{re.escape(str(hostile['mixed']))}:\d+:", result.stderr)) == len(
        MIXED_REJECTED
    )
    assert INTERNALS.search(result.output) is None, result.output

    store = open_store(db_url)
    try:
        papers = list(store.iter_papers())
        assert sorted(p.id for p in papers) == sorted(kept)
        for paper in papers:
            for text in strings(paper.to_dict()):
                assert CONTROL_CHARS.search(text) is None, (paper.id, text)
            for link in (paper.abs_url, paper.pdf_url, paper.project_page):
                assert link is None or link.startswith("https://"), (paper.id, link)
        cleaned = store.get_paper("2503.70011")
        assert cleaned is not None
        assert cleaned.title == "Null and tab title"
        assert cleaned.abstract == "An abstract with C1 and NEL."
        assert [a.name for a in cleaned.authors] == ["Ada Lovelace"]
        assert cleaned.comment == "5 pages[31m"
        surrogate = store.get_paper("2503.70018")
        assert surrogate is not None and surrogate.title == "Lone surrogate"
        collaboration = store.get_paper("2503.70105")
        assert collaboration is not None and len(collaboration.authors) == 5_000
        daily = store.get_paper("2606.00007")
        assert daily is not None and daily.title == "A good one with a NUL"
        assert [a.name for a in daily.authors] == ["Alan Turing"]
    finally:
        store.close()


def test_a_json_file_nested_too_deeply_is_refused_in_plain_words(
    db_url: str, hostile: dict[str, Path]
) -> None:
    result = import_files(db_url, "--format", "hf-daily", str(hostile["nested"]))

    assert result.exit_code == 1
    assert f"{hostile['nested']}: not valid JSON: nested too deeply" in result.output
    assert INTERNALS.search(result.output) is None, result.output


# -- the other parsers pass the same gate ---------------------------------------------

OAI_PAGE = (
    SHARED_DATA
    / "arxiv_oai_pmh"
    / "2018-06"
    / "listrecords_should-list-identifiers-from-arxiv.1.status200.xml"
)


def test_rss_items_with_a_script_link_are_rejected_the_others_kept() -> None:
    data = (TEST_DATA / "rss" / "cs.CV.rss.xml").read_bytes()
    forged = data.replace(
        b"<link>https://arxiv.org/abs/2601.09876</link>", b"<link>javascript:alert(1)</link>"
    )
    assert forged != data
    records = list(parse_arxiv_rss(io.BytesIO(forged), origin="cs.CV.rss"))
    rejected = [r for r in records if isinstance(r, Rejected)]
    assert [str(r) for r in rejected] == [
        "cs.CV.rss#item1: abs_url must be an http(s) address, not 'javascript:alert(1)'"
    ]
    assert len(records) == data.count(b"<item>")


def test_oai_records_with_impossible_ids_or_dates_are_rejected_the_others_kept() -> None:
    data = OAI_PAGE.read_bytes()
    forged = data.replace(b"<id>1412.8544</id>", b"<id>1413.8544</id>").replace(
        b"<created>1995-04-24</created>", b"<created>9999-12-31</created>"
    )
    records = list(parse_arxiv_oai(io.BytesIO(forged), origin="oai"))
    assert [str(r) for r in records] == [
        "oai#record1: missing or invalid id '1413.8544'",
        "oai#record2: published_at 9999-12-31 is out of range (1986-01-01 to "
        f"{(datetime.now(UTC) + FUTURE_SLACK).date().isoformat()})",
    ]
    assert all(isinstance(r, Paper) for r in parse_arxiv_oai(io.BytesIO(data), origin="oai"))


def test_an_abs_file_from_the_far_future_is_rejected_by_name() -> None:
    with tarfile.open(SHARED_DATA / "arxiv_abs_files.tar.gz") as archive:
        member = archive.extractfile("arxiv_abs_files/ftp/acc-phys/papers/9411/9411001.abs")
        assert member is not None
        text = member.read()
    assert isinstance(parse_abs_text(text.decode()), Paper)
    forged = re.sub(rb"Date: [^\n(]*", b"Date: Fri, 31 Dec 9999 23:59:59 GMT ", text, count=1)
    (record,) = parse_abs(io.BytesIO(forged), origin="9411001.abs")
    assert isinstance(record, Rejected)
    assert record.where == "9411001.abs"
    assert record.reason.startswith("published_at 9999-12-31 is out of range")


def test_a_listing_title_holding_control_characters_is_kept_clean() -> None:
    abstract = " ".join(["word"] * 40)
    text = f"A\x00 listed\x1b title\n\n{abstract}\n".encode()
    (record,) = parse_listing(io.BytesIO(text), origin="page.txt")
    assert isinstance(record, Paper)
    assert record.title == "A listed title"
