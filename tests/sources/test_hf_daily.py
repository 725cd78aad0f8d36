"""Hugging Face daily papers: the parser on both recorded responses, and the fetcher
against a loopback server serving them day by day."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from paperwire.config import Settings
from paperwire.errors import ParseError
from paperwire.ingest import fetch_source, import_files
from paperwire.models import Author, FeedDate, IngestReport, Paper, Rejected
from paperwire.sources.formats import get_parser, sniff_format
from paperwire.sources.hf_daily import parse_hf_daily
from paperwire.sources.http import PoliteClient
from paperwire.store import Store
from tests.http_server import LoopbackServer, Reply, Request

THIRTY = "2026-06-12_daily_papers_30.json"
THREE = "2026-08-03_daily_papers_3_prettyprinted.json"

Serve = Callable[[Callable[[Request], Reply]], LoopbackServer]


def hf_file(shared_data: Path, name: str) -> Path:
    return shared_data / "hf_daily_papers" / name


def items(shared_data: Path, name: str) -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads(hf_file(shared_data, name).read_bytes())
    return loaded


def parse(data: bytes, origin: str = "test.json") -> list[Paper | Rejected]:
    return list(parse_hf_daily(io.BytesIO(data), origin=origin))


def by_id(records: list[Paper | Rejected]) -> dict[str, Paper]:
    return {r.id: r for r in records if isinstance(r, Paper)}


# -- parsing the recorded responses --------------------------------------------------------


def test_thirty_papers_of_2026_06_12(shared_data: Path) -> None:
    with hf_file(shared_data, THIRTY).open("rb") as stream:
        records = list(parse_hf_daily(stream, origin=THIRTY))
    assert len(records) == 30
    assert all(isinstance(r, Paper) for r in records)
    papers = by_id(records)
    ids = list(papers)
    assert ids[:3] == ["2606.00467", "2606.12730", "2606.13594"] and ids[-1] == "2606.13106"
    assert sum(p.github_stars is not None for p in papers.values()) == 16
    assert sum(p.upvotes or 0 for p in papers.values()) == 453
    assert {p.sources[0] for p in papers.values()} == {"hf-daily"}
    day = [FeedDate(date(2026, 6, 12), "hf-daily")]
    assert all(p.feed_dates == day for p in papers.values())

    first = papers["2606.00467"]
    assert first.title == (
        "On the Limits of LLM Adaptability: Impact of Model-Internalized Priors on "
        "Annotation Task Performance"
    )
    assert first.authors == [
        Author("Etienne Casanova"),
        Author("Rafal Kocielnik"),
        Author("R. Michael Alvarez"),
    ]
    # paper.publishedAt, not the item's publishedAt (2026-05-29T20:00:00.000Z).
    assert first.published_at == datetime(2026, 5, 30, tzinfo=UTC)
    assert first.submitted_at == datetime(2026, 6, 12, tzinfo=UTC)
    assert first.submitted_by == "RKocielnik"
    assert first.upvotes == 0
    assert first.github_repo is None and first.github_stars is None
    assert first.abstract.startswith("Large Language Models (LLMs) are increasingly used")
    assert first.abs_url == "https://arxiv.org/abs/2606.00467"
    assert first.pdf_url == "https://arxiv.org/pdf/2606.00467"
    assert first.version is None and first.categories == []

    msa = papers["2606.13392"]
    assert msa.title == "MiniMax Sparse Attention"
    assert (msa.upvotes, msa.github_stars) == (103, 251)
    assert msa.github_repo == "https://github.com/MiniMax-AI/MSA"
    assert msa.submitted_by == "ryanlee-dev"

    top = papers["2606.13681"]
    assert (top.upvotes, top.github_stars) == (118, 9)
    assert top.project_page == "https://aiden0526.github.io/EvoArena/"

    # githubRepo wins over the first link of the summary (TRACE_exp) ...
    assert papers["2606.13174"].github_repo == "https://github.com/YujunZhou/tellonce"
    # ... and without githubRepo the summary's link is used.
    assert papers["2606.12488"].github_repo == "https://github.com/miccunifi/iamcl2r"
    assert papers["2606.12488"].github_stars is None
    # A github.io project page is not a repository.
    assert papers["2606.13594"].github_repo is None
    assert (
        papers["2606.13594"].project_page == "https://chicychen.github.io/dense-hetero-latent-mas/"
    )

    # The hidden author (claimed profile, "hidden": true) is kept, in order.
    hidden = papers["2606.12575"]
    assert len(hidden.authors) == 10
    assert hidden.authors[3] == Author("Dengyang Jiang")
    # The summary's hard line break is folded.
    assert "\n" not in papers["2606.09446"].abstract
    assert "On-Policy Reinforcement Learning" in papers["2606.13106"].title


def test_three_papers_pretty_printed(shared_data: Path) -> None:
    with hf_file(shared_data, THREE).open("rb") as stream:
        records = list(parse_hf_daily(stream, origin=THREE))
    papers = by_id(records)
    assert list(papers) == ["2607.26654", "2607.28229", "2607.27851"]
    constitutional = papers["2607.26654"]
    assert constitutional.title == (
        "Constitutional Midtraining: Content Presence Drives Alignment Gains"
    )
    # The first author has a nested ``user`` profile: the display name is used.
    assert [a.name for a in constitutional.authors] == [
        "Desiree Cho",
        "Cameron Tice",
        "Bernie Hogan",
        "Hunar Batra",
        "Puria Radmard",
        "Jun Zhao",
        "Nigel Shadbolt",
    ]
    assert constitutional.github_repo == "https://github.com/desBugger/constitutional-mt"
    assert (constitutional.github_stars, constitutional.upvotes) == (2, 3)
    assert constitutional.project_page == "https://www.lesswrong.com/posts/n5htoDGvKKJFAjji2"
    assert constitutional.submitted_by == "hunarbatra"
    assert constitutional.feed_dates == [FeedDate(date(2026, 8, 3), "hf-daily")]

    librarian = papers["2607.28229"]
    assert librarian.published_at == datetime(2026, 7, 30, 14, 0, 27, tzinfo=UTC)
    assert librarian.submitted_at == datetime(2026, 8, 3, tzinfo=UTC)
    assert librarian.submitted_by == "luigi-s"
    assert len(librarian.authors) == 12 and librarian.authors[-1] == Author("Fabio Petroni")
    assert (librarian.github_repo, librarian.github_stars) == (
        "https://github.com/petroni-lab/librarian",
        8,
    )

    dialogue = papers["2607.27851"]
    assert dialogue.github_repo is None and dialogue.github_stars is None
    assert dialogue.project_page is None
    assert dialogue.upvotes == 2 and dialogue.submitted_by == "sci-m-wang"


def test_sniffing_and_import_are_idempotent(shared_data: Path, store: Store) -> None:
    paths = [hf_file(shared_data, THIRTY), hf_file(shared_data, THREE)]
    for path in paths:
        assert sniff_format(path.read_bytes()[:8192], path.name) == "hf-daily"
    assert get_parser("hf-daily") is parse_hf_daily

    first = import_files(store, paths, fmt="auto")
    assert first.ok, first.errors
    assert (first.counts.new, first.counts.updated, first.counts.unchanged) == (33, 0, 0)
    again = import_files(store, paths, fmt="auto")
    assert again.ok
    assert (again.counts.new, again.counts.updated, again.counts.unchanged) == (0, 0, 33)
    assert store.count_papers() == 33
    stored = store.get_paper("2606.13392")
    assert stored is not None
    assert (stored.upvotes, stored.github_stars, stored.submitted_by) == (103, 251, "ryanlee-dev")
    assert stored.feed_dates == [FeedDate(date(2026, 6, 12), "hf-daily")]
    assert store.list_papers(day=date(2026, 8, 3), limit=10)[0].id in {
        "2607.26654",
        "2607.28229",
        "2607.27851",
    }


def test_bad_items_are_rejected_with_their_number(
    shared_data: Path, tmp_path: Path, store: Store
) -> None:
    good = items(shared_data, THREE)
    no_id = json.loads(json.dumps(good[1]))
    del no_id["paper"]["id"]
    no_title = json.loads(json.dumps(good[1]))
    no_title["paper"]["title"] = "  "
    no_title["title"] = ""
    bad_date = json.loads(json.dumps(good[1]))
    bad_date["paper"]["submittedOnDailyAt"] = "yesterday"
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps([good[0], no_id, no_title, 42, bad_date, good[2]]))

    report = import_files(store, [path], fmt="auto")

    assert report.errors == []
    assert [(r.where, r.reason) for r in report.rejected] == [
        (f"{path}#item2", "missing or invalid id ''"),
        (f"{path}#item3", "missing title"),
        (f"{path}#item4", "not a JSON object"),
        (f"{path}#item5", "bad submittedOnDailyAt 'yesterday'"),
    ]
    assert report.counts.new == 2
    assert store.get_paper("2607.26654") is not None and store.get_paper("2607.27851") is not None
    assert store.get_paper("2607.28229") is None


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda b: b[: len(b) * 2 // 3], id="truncated"),
        pytest.param(lambda b: b.replace(b'"upvotes":', b'"upvotes"', 1), id="missing-colon"),
        pytest.param(lambda b: b"\xff\xfe" + b, id="not-utf8"),
    ],
)
def test_broken_json_leaves_the_database_as_it_was(
    shared_data: Path, tmp_path: Path, store: Store, damage: Callable[[bytes], bytes]
) -> None:
    oai = shared_data / "arxiv_oai_pmh" / "2016-02"
    assert import_files(store, [oai / "getrecord_should-get-a-record.0.status200.xml"]).ok
    before = store.stats().to_dict()
    path = tmp_path / "broken.json"
    path.write_bytes(damage(hf_file(shared_data, THIRTY).read_bytes()))

    report = import_files(store, [path], fmt="hf-daily")

    assert len(report.errors) == 1 and "not valid JSON" in report.errors[0]
    assert report.counts.new == 0 and report.rejected == []
    assert store.stats().to_dict() == before
    assert store.count_papers() == 1
    assert store.get_paper("2606.13392") is None


def test_other_json_shapes(shared_data: Path) -> None:
    item = items(shared_data, THREE)[0]
    (single,) = parse(json.dumps(item).encode())
    assert isinstance(single, Paper) and single.id == "2607.26654" and single.upvotes == 3
    (bare,) = parse(json.dumps(item["paper"]).encode())
    assert isinstance(bare, Paper) and bare.id == "2607.26654"
    assert bare.submitted_by == "hunarbatra" and bare.github_stars == 2
    assert parse(b"[]") == []
    with pytest.raises(ParseError, match="expected a JSON list"):
        parse(b"42")
    with pytest.raises(ParseError, match="error answer"):
        parse(b'{"error": "Invalid date"}')


# -- fetching from a loopback server -------------------------------------------------------


def on_day(source: list[dict[str, Any]], day: date, **paper_changes: Any) -> bytes:
    """Recorded items as the API lists them on ``day`` (submittedOnDailyAt moved there)."""
    moved = json.loads(json.dumps(source))
    for item in moved:
        item["paper"]["submittedOnDailyAt"] = f"{day.isoformat()}T00:00:00.000Z"
        item["paper"].update(paper_changes.get(item["paper"]["id"], {}))
    return json.dumps(moved).encode()


def json_reply(body: bytes) -> Reply:
    return Reply(200, body, {"Content-Type": "application/json; charset=utf-8"})


def fetch(store: Store, settings: Settings) -> IngestReport:
    with PoliteClient(settings) as client:
        return fetch_source(store, settings, "hf-daily", client=client)


def today() -> date:
    return datetime.now(UTC).date()


def test_fetch_three_days_with_a_503(
    shared_data: Path, store: Store, serve: Serve, fast_settings: Callable[..., Settings]
) -> None:
    d2 = today()
    d0, d1 = d2 - timedelta(days=2), d2 - timedelta(days=1)
    thirty, three = items(shared_data, THIRTY), items(shared_data, THREE)
    days = {
        d0: on_day(three, d0),
        d1: on_day(thirty[:20], d1),
        d2: on_day(thirty[20:], d2),
    }
    retried: set[date] = set()
    upvotes = [118]

    def handler(request: Request) -> Reply:
        day = date.fromisoformat(request.query["date"])
        if day == d1 and day not in retried:
            retried.add(day)
            return Reply(
                503,
                "<html><body>\n<h1>Retry after 1 seconds</h1>\n</body></html>\n",
                {"Retry-After": "1"},
            )
        if day == d2:
            return json_reply(on_day(thirty[20:], d2, **{"2606.13681": {"upvotes": upvotes[0]}}))
        return json_reply(days[day])

    server = serve(handler)
    settings = fast_settings(hf_api_url=f"{server.url}/api", fetch_days=2)

    report = fetch(store, settings)

    assert report.ok, report.errors
    assert report.requests == 4
    assert [r.path for r in server.requests] == ["/api/daily_papers"] * 4
    assert [r.query for r in server.requests] == [
        {"date": d0.isoformat(), "limit": "100"},
        {"date": d1.isoformat(), "limit": "100"},
        {"date": d1.isoformat(), "limit": "100"},
        {"date": d2.isoformat(), "limit": "100"},
    ]
    assert (report.counts.new, report.counts.updated, report.counts.unchanged) == (33, 0, 0)
    assert store.count_papers() == 33
    sdg = store.get_paper("2606.06113")  # item 11 of the recording: day d1
    assert sdg is not None
    assert sdg.upvotes == 13 and sdg.github_stars == 5
    assert sdg.feed_dates == [FeedDate(d1, "hf-daily")]
    top = store.get_paper("2606.13681")
    assert top is not None and top.upvotes == 118
    assert top.feed_dates == [FeedDate(d2, "hf-daily")]
    constitutional = store.get_paper("2607.26654")
    assert constitutional is not None
    assert constitutional.feed_dates == [FeedDate(d0, "hf-daily")]
    assert constitutional.sources == ["hf-daily"]
    assert {p.id for p in store.list_papers(day=d1, limit=50)} == {
        i["paper"]["id"] for i in thirty[:20]
    }
    assert store.get_checkpoint("hf-daily") == {
        "last_complete_day": d1.isoformat(),
        "last_fetched_day": d2.isoformat(),
    }

    # Today was not complete: the next run asks for today only, and sees the new upvotes.
    upvotes[0] = 131
    seen = len(server.requests)
    second = fetch(store, settings)

    assert second.ok, second.errors
    assert [r.query for r in server.requests[seen:]] == [{"date": d2.isoformat(), "limit": "100"}]
    assert (second.counts.new, second.counts.updated, second.counts.unchanged) == (0, 1, 9)
    top = store.get_paper("2606.13681")
    assert top is not None and top.upvotes == 131
    checkpoint = store.get_checkpoint("hf-daily")
    assert checkpoint is not None and checkpoint["last_complete_day"] == d1.isoformat()


def test_a_full_page_asks_for_the_next(
    shared_data: Path, store: Store, serve: Serve, fast_settings: Callable[..., Settings]
) -> None:
    template = items(shared_data, THREE)[2]
    listed = []
    for n in range(105):
        item = json.loads(json.dumps(template))
        item["paper"]["id"] = f"2607.{90000 + n}"
        item["paper"]["title"] = f"{template['paper']['title']} ({n})"
        listed.append(item)
    d = today()

    def handler(request: Request) -> Reply:
        page = int(request.query.get("p", "0"))
        limit = int(request.query["limit"])
        return json_reply(on_day(listed[page * limit : (page + 1) * limit], d))

    server = serve(handler)
    report = fetch(store, fast_settings(hf_api_url=f"{server.url}/api", fetch_days=0))

    assert report.ok, report.errors
    assert [r.query for r in server.requests] == [
        {"date": d.isoformat(), "limit": "100"},
        {"date": d.isoformat(), "limit": "100", "p": "1"},
    ]
    assert report.counts.new == 105 and store.count_papers() == 105


def test_a_failing_day_stops_the_run_and_is_fetched_next_time(
    shared_data: Path, store: Store, serve: Serve, fast_settings: Callable[..., Settings]
) -> None:
    d1 = today()
    d0 = d1 - timedelta(days=1)
    three = items(shared_data, THREE)
    down = [True]

    def handler(request: Request) -> Reply:
        if request.query["date"] == d1.isoformat() and down[0]:
            return Reply(500, "Internal Server Error")
        day = date.fromisoformat(request.query["date"])
        return json_reply(on_day(three[:1] if day == d0 else three[1:], day))

    server = serve(handler)
    settings = fast_settings(hf_api_url=f"{server.url}/api", fetch_days=1)

    first = fetch(store, settings)
    assert len(first.errors) == 1 and "HTTP 500" in first.errors[0]
    assert first.requests == 1 + 4
    assert store.count_papers() == 1
    assert store.get_checkpoint("hf-daily") == {
        "last_complete_day": d0.isoformat(),
        "last_fetched_day": d0.isoformat(),
    }

    down[0] = False
    seen = len(server.requests)
    second = fetch(store, settings)
    assert second.ok and second.counts.new == 2
    assert [r.query["date"] for r in server.requests[seen:]] == [d1.isoformat()]
    assert store.count_papers() == 3
