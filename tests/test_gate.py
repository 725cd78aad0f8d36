"""The gate every paper passes before it is stored (paperwire.gate)."""

from __future__ import annotations

import dataclasses
import gzip
import io
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from paperwire.auth.submissions import SubmissionError, fetch_arxiv_paper, parse_reference
from paperwire.config import Settings
from paperwire.gate import (
    FUTURE_SLACK,
    MAX_AUTHORS,
    MAX_CHARS,
    _check_each,
    _passes_as_is,
    check_paper,
    gate_record,
)
from paperwire.models import Author, FeedDate, Paper, Rejected
from paperwire.normalize import CONTROL_CHARS
from paperwire.sources.arxiv_jsonl import parse_arxiv_jsonl
from tests.conftest import SHARED_DATA
from tests.http_server import Handler, LoopbackServer, Reply, Request

NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)
DIRTY = "a\x00b\x0bc\x01d\x7fe\x85f\x9bg\ud800h\ufffei\uffffj\tk\nl\rm"
CLEAN = "abcdefghij\tk\nl\rm"


def paper(**fields: Any) -> Paper:
    base: dict[str, Any] = {"id": "2401.01234", "title": "A title", "abstract": "An abstract."}
    return Paper(**{**base, **fields})


def reason(**fields: Any) -> str:
    with pytest.raises(ValueError) as caught:
        check_paper(paper(**fields), now=NOW)
    return str(caught.value)


# -- ids -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "paper_id",
    [
        "0704.0001",
        "1412.9999",
        "1501.00001",
        "2401.01234",
        "hep-th/9108001",
        "math.AG/0601001",
        "cond-mat/0703999",
        "listing:3f2a0b1c2d3e4f50",
        "doi:10.1000/xyz123",
    ],
)
def test_real_ids_pass(paper_id: str) -> None:
    assert check_paper(paper(id=paper_id), now=NOW).id == paper_id


@pytest.mark.parametrize(
    "paper_id",
    [
        "2513.00001",  # no 13th month
        "2400.01234",  # no month 0
        "9999.99999",  # year 2099
        "0703.0001",  # new-style ids start in April 2007
        "1501.1234",  # five digits from 2015 on
        "1412.12345",  # four digits until 2014
        "2401.00000",
        "hep-th/9913001",
        "hep-th/0801001",  # old style ended in 2007
        "2401.01234v2",  # the version is a field of its own
        "arxiv:2513.00001",
        "http://evil.example/x",
        "javascript:alert(1)",
        "listing:",
        "listing:has space",
        "",
    ],
)
def test_impossible_ids_are_rejected(paper_id: str) -> None:
    assert "is not a real arXiv id" in reason(id=paper_id)


def test_versions_are_sane_integers() -> None:
    assert check_paper(paper(version=1000), now=NOW).version == 1000
    assert reason(version=0) == "version 0 is out of range (1 to 1,000)"
    assert "out of range" in reason(version=10**20)
    assert reason(version="2") == "version must be a whole number, not text"
    assert reason(version=True) == "version must be a whole number, not true or false"


# -- dates -----------------------------------------------------------------------------


def test_dates_within_a_sane_range() -> None:
    soon = NOW + FUTURE_SLACK
    assert check_paper(paper(published_at=soon), now=NOW).published_at == soon
    early = datetime(1986, 1, 1, tzinfo=UTC)
    assert check_paper(paper(updated_at=early), now=NOW).updated_at == early
    assert reason(published_at=datetime(9999, 12, 31, tzinfo=UTC)) == (
        "published_at 9999-12-31 is out of range (1986-01-01 to 2026-12-04)"
    )
    assert "submitted_at 1985-12-31" in reason(submitted_at=datetime(1985, 12, 31, tzinfo=UTC))
    assert "first_seen_at" in reason(first_seen_at=soon + timedelta(seconds=1))
    assert reason(updated_at="2025-01-01") == "updated_at must be a date and time, not text"


def test_a_date_without_time_zone_is_utc() -> None:
    checked = check_paper(paper(published_at=datetime(2025, 1, 2, 3)), now=NOW)
    assert checked.published_at == datetime(2025, 1, 2, 3, tzinfo=UTC)


def test_feed_dates_within_the_same_range() -> None:
    day = FeedDate(date(2025, 3, 18), "arxiv")
    assert check_paper(paper(feed_dates=[day]), now=NOW).feed_dates == [day]
    far = [FeedDate(date(9999, 12, 31), "arxiv")]
    assert reason(feed_dates=far) == (
        "feed date 9999-12-31 is out of range (1986-01-01 to 2026-12-04)"
    )
    assert "must be a day" in reason(feed_dates=[FeedDate(NOW, "arxiv")])  # type: ignore[arg-type]
    assert "must be a date" in reason(feed_dates=["2025-03-18"])


# -- text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "read"),
    [
        ({"title": DIRTY}, lambda p: p.title),
        ({"abstract": DIRTY}, lambda p: p.abstract),
        ({"comment": DIRTY}, lambda p: p.comment),
        ({"journal_ref": DIRTY}, lambda p: p.journal_ref),
        ({"doi": DIRTY}, lambda p: p.doi),
        ({"license": DIRTY}, lambda p: p.license),
        ({"submitted_by": DIRTY}, lambda p: p.submitted_by),
        ({"authors": [Author(DIRTY)]}, lambda p: p.authors[0].name),
        ({"authors": [Author("Ada", DIRTY)]}, lambda p: p.authors[0].affiliation),
        ({"categories": [DIRTY]}, lambda p: p.categories[0]),
        ({"sources": [DIRTY]}, lambda p: p.sources[0]),
    ],
)
def test_control_characters_are_removed_from_every_text(
    fields: dict[str, Any], read: Callable[[Paper], str]
) -> None:
    checked = check_paper(paper(**fields), now=NOW)
    assert read(checked) == CLEAN  # tab, newline and carriage return stay


def test_a_text_of_control_characters_only_is_no_text() -> None:
    assert reason(title="\x00\x01 ") == "title is empty"
    checked = check_paper(paper(authors=[Author("\x00"), Author("Ada")]), now=NOW)
    assert [a.name for a in checked.authors] == ["Ada"]


def test_the_paper_given_is_left_as_it_was() -> None:
    dirty = paper(title="a\x00b")
    assert check_paper(dirty, now=NOW).title == "ab"
    assert dirty.title == "a\x00b"


# -- links -----------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["abs_url", "pdf_url", "project_page", "github_repo"])
@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox",
        "ftp://arxiv.org/abs/2401.01234",
        "/abs/2401.01234",
        "//evil.example/x",
        "https://",
        "https:///path",
        "http://[::1",
        "https://arxiv.org/abs/2401.01234 onclick=x",
        "https://arxiv.org/\x00abs",
    ],
)
def test_links_other_than_http_are_rejected(field: str, link: str) -> None:
    assert reason(**{field: link}).startswith(f"{field} must be an http(s) address, not ")


@pytest.mark.parametrize(
    "link",
    [
        "https://arxiv.org/abs/2401.01234",
        "http://arxiv.org/pdf/2401.01234v2",
        "HTTPS://GitHub.com/Owner/repo",
        "https://example.org:8443/p?a=1&b=2#top",
        "https://user@example.org/",
        "https://例え.jp/ページ",
        "http://[2001:db8::1]/x",
    ],
)
def test_http_links_pass(link: str) -> None:
    assert check_paper(paper(abs_url=link), now=NOW).abs_url == link


def test_an_empty_link_is_no_link() -> None:
    assert check_paper(paper(project_page="  "), now=NOW).project_page is None


# -- sizes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "cap", "wrap"),
    [
        ("title", "title", str),
        ("abstract", "abstract", str),
        ("comment", "comment", str),
        ("journal_ref", "journal_ref", str),
        ("doi", "doi", str),
        ("license", "license", str),
        ("submitted_by", "submitted_by", str),
        ("authors", "author name", lambda t: [Author(t)]),
        ("authors", "affiliation", lambda t: [Author("Ada", t)]),
        ("categories", "category", lambda t: [t]),
        ("abs_url", "link", lambda t: "https://arxiv.org/" + t[len("https://arxiv.org/") :]),
    ],
)
def test_sizes_are_capped(field: str, cap: str, wrap: Callable[[str], Any]) -> None:
    limit = MAX_CHARS[cap]
    check_paper(paper(**{field: wrap("x" * limit)}), now=NOW)
    message = reason(**{field: wrap("x" * (limit + 1))})
    assert f"is too long: {limit + 1:,} characters, at most {limit:,}" in message


def test_a_ten_megabyte_abstract_is_rejected_saying_its_size() -> None:
    assert reason(abstract="a" * 10_000_000) == (
        "abstract is too long: 10,000,000 characters, at most 20,000"
    )


def test_big_collaborations_pass_but_not_without_bound() -> None:
    crowd = [Author(f"Author {i}") for i in range(MAX_AUTHORS)]
    assert len(check_paper(paper(authors=crowd), now=NOW).authors) == MAX_AUTHORS
    assert reason(authors=[*crowd, Author("One more")]) == (
        f"too many authors: {MAX_AUTHORS + 1:,}, at most {MAX_AUTHORS:,}"
    )


# -- types -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"pdf_url": {"u": 1}}, "pdf_url must be text, not an object"),
        ({"title": ["a", "list"]}, "title must be text, not a list"),
        ({"abstract": None}, "abstract must be text, not empty"),
        ({"comment": 12}, "comment must be text, not a number"),
        ({"authors": "Ada"}, "authors must be a list, not text"),
        ({"authors": ["Ada"]}, "each author must be a name, not text"),
        ({"authors": [Author(["Ada"])]}, "author name must be text, not a list"),  # type: ignore[arg-type]
        ({"categories": [1]}, "category must be text, not a number"),
        ({"github_stars": "12"}, "github_stars must be a whole number, not text"),
        ({"upvotes": -1}, "upvotes -1 is out of range (0 to 1,000,000,000)"),
        ({"upvotes": 1.5}, "upvotes must be a whole number, not a decimal number"),
        ({"id": 2401.01234}, "id must be text, not a decimal number"),
    ],
)
def test_wrong_types_are_rejected_in_plain_words(fields: dict[str, Any], expected: str) -> None:
    assert reason(**fields) == expected


# -- one per-record try for every parser ----------------------------------------------


def test_gate_record_turns_any_failure_into_a_plain_rejection() -> None:
    def nested() -> Paper:
        raise RecursionError("maximum recursion depth exceeded")

    def broken() -> Paper:
        return {}["title"]  # type: ignore[no-any-return]

    def attribute() -> Paper:
        return None.title  # type: ignore[attr-defined,no-any-return]

    assert gate_record(nested, "f:1") == Rejected("f:1", "nested too deeply")
    assert gate_record(broken, "f:2") == Rejected("f:2", "missing field 'title'")
    assert gate_record(attribute, "f:3") == Rejected(
        "f:3", "a field holds a value of the wrong type or shape"
    )
    assert gate_record(lambda: paper(), "f:4") == paper()


def test_the_quick_check_agrees_with_the_rules_one_by_one() -> None:
    """The common case skips the field-by-field rules: it must never let through what they
    would change or reject (real papers, then each hostile variant of them)."""
    with gzip.open(SHARED_DATA / "arxiv_daily_cs_2025_2026.jsonl.gz", "rb") as f:
        lines = b"".join(line for _, line in zip(range(2000), f, strict=False))
    papers = [p for p in parse_arxiv_jsonl(io.BytesIO(lines), origin="x") if isinstance(p, Paper)]
    latest = NOW + FUTURE_SLACK
    assert all(_passes_as_is(p, latest) for p in papers)
    assert all(_check_each(p, latest) == p for p in papers)
    variants: list[dict[str, Any]] = [
        {"title": " padded "},
        {"title": "a\x00b"},
        {"abstract": "a\ud800"},
        {"authors": [Author("")]},
        {"authors": [Author("Ada", "")]},
        {"authors": [Author("Ada", "\x1b[31m")]},
        {"categories": [""]},
        {"abs_url": "javascript:alert(1)"},
        {"abs_url": "https://arxiv.org/abs/x\x00"},
        {"abs_url": ""},
        {"comment": "x" * 5_001},
        {"feed_dates": [FeedDate(date(1985, 1, 1), "arxiv")]},
        {"feed_dates": [FeedDate(date(2025, 1, 1), "arx\x00iv")]},
        {"published_at": datetime(2025, 1, 1)},
        {"version": 0},
        {"local_upvotes": None},
    ]
    for fields in variants:
        for base in papers[:50]:
            dirty = dataclasses.replace(base, **fields)
            if _passes_as_is(dirty, latest):  # then the rules keep it exactly as it is
                assert _check_each(dirty, latest) == dirty, fields


# -- reader submissions ----------------------------------------------------------------


@pytest.mark.parametrize("raw", ["2513.00001", "9999.99999", "2503.12345v99999999999999999999"])
def test_submitting_an_impossible_id_is_a_400(raw: str) -> None:
    with pytest.raises(SubmissionError) as caught:
        parse_reference(raw)
    assert caught.value.status == 400


def test_a_submitted_paper_whose_arxiv_record_fails_the_gate_is_not_kept(
    serve: Callable[[Handler], LoopbackServer],
) -> None:
    recorded = Path(SHARED_DATA / "arxiv_api" / "2026_recorded_arxiv_py")
    body = json.loads((recorded / "id_1707.08567_s0_m100_6a1afebfc6a3.json").read_text())["body"]
    forged = body.replace("https://arxiv.org/abs/1707.08567v1", "javascript:alert(1)")
    assert forged != body

    def answer(request: Request) -> Reply:
        return Reply(200, forged, {"Content-Type": "application/atom+xml"})

    server = serve(answer)
    settings = Settings(arxiv_api_url=f"{server.url}/api/query", request_delay=0)
    with pytest.raises(SubmissionError) as caught:
        fetch_arxiv_paper(settings, "1707.08567")
    assert caught.value.status == 502
    assert caught.value.message == (
        "arXiv's record of 1707.08567 cannot be kept: "
        "abs_url must be an http(s) address, not 'javascript:alert(1)'"
    )


def test_no_control_character_class_is_missed() -> None:
    kept = {chr(c) for c in range(0x10000) if not CONTROL_CHARS.match(chr(c))} | {"\U0001f600"}
    assert {"\t", "\n", "\r", " ", "a", "é", "\u00a0", "\U0001f600"} <= kept
    removed = {chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0), 0xD800, 0xFFFE]}
    assert not (removed - {"\t", "\n", "\r"}) & kept
