"""The Hugging Face compatible read API: its shapes against the recorded Hub answer, and the
real ``huggingface_hub`` client pointed at a paperwire server on loopback."""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2
import pytest
import uvicorn
from fastapi.testclient import TestClient
from huggingface_hub import HfApi
from huggingface_hub import constants as hf_constants
from huggingface_hub.errors import HfHubHTTPError
from huggingface_hub.hf_api import PaperInfo
from huggingface_hub.utils import _http as hf_http

from paperwire.config import Settings
from paperwire.digest.summary import summarize
from paperwire.models import Author, FeedDate, Paper
from paperwire.store import open_store
from paperwire.store.base_topics import Topic
from paperwire.text import plain_text
from paperwire.web.app import create_app
from tests.api.conftest import BASE_URL, HF_DAY, Served, hf_recording
from tests.conftest import ROOT


def recording() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(hf_recording().read_text())
    return items


def by_id() -> dict[str, dict[str, Any]]:
    return {item["paper"]["id"]: item for item in recording()}


def words(text: str) -> str:
    return " ".join(text.split())


def get(client: TestClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.text
    return response.json()


# -- shapes, through the test client -----------------------------------------------------


def test_daily_papers_of_a_day_match_the_recorded_answer(client: TestClient) -> None:
    items = get(client, f"/api/daily_papers?date={HF_DAY}")
    recorded = by_id()
    item_keys = {key for item in recorded.values() for key in item}
    paper_keys = {key for item in recorded.values() for key in item["paper"]}
    assert len(items) == 30
    assert {item["paper"]["id"] for item in items} == set(recorded)
    for item in items:
        original = recorded[item["paper"]["id"]]
        # Only keys the Hub itself sends, at the same places.
        assert set(item) <= item_keys
        assert set(item["paper"]) <= paper_keys
        paper, want = item["paper"], original["paper"]
        for key in (
            "upvotes", "title", "publishedAt", "submittedOnDailyAt", "githubStars", "projectPage",
        ):  # fmt: skip
            assert paper.get(key) == want.get(key), key
        if "githubRepo" in want:
            assert paper["githubRepo"] == want["githubRepo"]
        elif "githubRepo" in paper:  # paperwire also finds code links in the abstract
            assert paper["githubRepo"].removeprefix("https://") in want["summary"]
        assert words(paper["summary"]) == words(want["summary"])
        assert [a["name"] for a in paper["authors"]] == [a["name"] for a in want["authors"]]
        assert paper["submittedOnDailyBy"]["user"] == want["submittedOnDailyBy"]["user"]
        assert item["submittedBy"]["name"] == original["submittedBy"]["name"]
        assert item["title"] == original["title"]
        assert item["numComments"] == 0
        assert item["isAuthorParticipating"] is False


def test_daily_papers_pages_and_sorts(client: TestClient) -> None:
    pages = [get(client, f"/api/daily_papers?date={HF_DAY}&limit=12&p={p}") for p in range(4)]
    assert [len(page) for page in pages] == [12, 12, 6, 0]
    assert len({item["paper"]["id"] for page in pages for item in page}) == 30
    trending = get(client, f"/api/daily_papers?date={HF_DAY}&sort=trending&limit=5")
    assert [(i["paper"]["id"], i["paper"]["upvotes"]) for i in trending] == [
        ("2606.13681", 118),
        ("2606.13392", 103),
        ("2606.08063", 74),
        ("2606.13289", 25),
        ("2606.13106", 18),
    ]
    newest = get(client, f"/api/daily_papers?date={HF_DAY}&sort=publishedAt&limit=100")
    published = [i["paper"]["publishedAt"] for i in newest]
    assert published == sorted(published, reverse=True)


def test_daily_papers_by_submitter_week_and_month(client: TestClient) -> None:
    mine = get(client, f"/api/daily_papers?date={HF_DAY}&submitter=Yunqiu")
    assert {i["paper"]["id"] for i in mine} == {"2606.12303", "2606.12243"}
    week = get(client, "/api/daily_papers?week=2026-W24&limit=100")
    assert {i["paper"]["id"] for i in week} == set(by_id())
    month = get(client, "/api/daily_papers?month=2026-06&sort=trending&limit=3")
    assert [i["paper"]["id"] for i in month] == ["2606.13681", "2606.13392", "2606.08063"]


def test_daily_papers_default_to_the_latest_day(client: TestClient) -> None:
    items = get(client, "/api/daily_papers?limit=100")
    assert len(items) == 100
    # Sample papers are known from arXiv's listing only: no upvotes, dated by the listing.
    assert all(i["paper"]["upvotes"] == 0 for i in items)
    assert {i["publishedAt"] for i in items} == {"2026-07-01T00:00:00.000Z"}
    assert all("submittedOnDailyAt" not in i["paper"] for i in items)


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("date=12.06.2026", "date: expected YYYY-MM-DD"),
        ("week=2026-24", "week: expected YYYY-Www (an ISO week, e.g. 2026-W24)"),
        ("month=June", "month: expected YYYY-MM"),
        ("limit=0", "limit: Input should be greater than or equal to 1"),
        ("sort=random", "sort: Input should be 'publishedAt' or 'trending'"),
        ("p=-1", "p: Input should be greater than or equal to 0"),
        ("date=9999-12-31", "date: out of range (1900-01-01 to 2999-12-31)"),
        ("month=9999-12", "month: out of range (1900-01-01 to 2999-12-31)"),
    ],
)
def test_daily_papers_errors_in_the_hub_shape(client: TestClient, query: str, error: str) -> None:
    assert get(client, f"/api/daily_papers?{query}", 400) == {"error": error}


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("/api/papers/search?q=a%00b", "q: the query holds a control character (U+0000)"),
        ("/api/papers/search?q=" + "+".join(["graph"] * 65), "q: at most 64 words (got 65)"),
        ("/api/papers/a%00b", "arxiv_id: a paper id holds no control characters (got U+0000)"),
        ("/api/papers/" + "x" * 201, "arxiv_id: a paper id has at most 200 characters (got 201)"),
    ],
)
def test_queries_and_ids_that_cannot_be_used_are_400(
    client: TestClient, url: str, error: str
) -> None:
    assert get(client, url, 400) == {"error": error}


def test_paper_info_shape(client: TestClient) -> None:
    paper = get(client, "/api/papers/2606.13392")
    want = by_id()["2606.13392"]["paper"]
    # numComments: the count of the paper's discussion, which the Hub's client reads
    # from this answer (PaperInfo.comments); the recorded daily item has it beside `paper`.
    assert set(paper) - {"numComments"} <= set(want)
    assert paper["numComments"] == 0
    assert paper["id"] == "2606.13392"
    assert paper["title"] == "MiniMax Sparse Attention"
    assert paper["upvotes"] == 103
    assert paper["githubRepo"] == "https://github.com/MiniMax-AI/MSA"
    assert paper["githubStars"] == 251
    assert paper["publishedAt"] == want["publishedAt"] == "2026-06-11T00:00:00.000Z"
    assert paper["submittedOnDailyAt"] == "2026-06-12T00:00:00.000Z"
    # The Hub's "fullname" is the display name ("Hunar Batra" for "hunarbatra"), which
    # paperwire does not keep: left out rather than filled with the user name.
    assert paper["submittedOnDailyBy"] == {
        "user": "ryanlee-dev",
        "name": "ryanlee-dev",
        "type": "user",
    }
    assert paper["ai_summary_model"] == "paperwire-extractive"
    assert paper["ai_summary"].startswith("We introduce MiniMax Sparse Attention (MSA)")
    assert get(client, "/api/papers/2606.13392v1")["id"] == "2606.13392"
    assert get(client, "/api/papers/hep-th/9901001")["title"] == (
        "A paper with an old-style identifier"
    )
    assert get(client, "/api/papers/2606.99999", 404) == {"error": "paper not found: 2606.99999"}


def test_search_shape(client: TestClient) -> None:
    items = get(client, "/api/papers/search?q=MiniMax+Sparse+Attention&limit=3")
    assert len(items) == 3
    assert items[0]["paper"]["id"] == "2606.13392"
    assert items[0]["title"] == "MiniMax Sparse Attention"
    assert set(items[0]) <= set(by_id()["2606.13392"])
    newest = get(client, "/api/papers/search?limit=2")  # no query: the newest papers
    assert len(newest) == 2
    assert get(client, "/api/papers/search?q=x&limit=500", 400) == {
        "error": "limit: Input should be less than or equal to 100"
    }


# -- every field of the Hub's answer: given with the Hub's type, or documented absent ------


def json_type(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array"}.get(
        type(value), "object" if isinstance(value, dict) else "null"
    )


def field_types(items: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Every field path of ``items`` ("paper.authors[].name", "paper.ai_keywords[]")
    with the JSON types it has."""
    found: dict[str, set[str]] = {}

    def walk(value: Any, path: str) -> None:
        if path:
            found.setdefault(path, set()).add(json_type(value))
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{path}.{key}" if path else key)
        elif isinstance(value, list):
            for inner in value:
                walk(inner, f"{path}[]")

    for item in items:
        walk(item, "")
    return found


def documented() -> tuple[dict[str, str], set[str]]:
    """From ``docs/hf_api.md``: each Hub field the table names with what paperwire gives,
    and the fields paperwire adds."""
    text = (ROOT / "docs" / "hf_api.md").read_text()
    hub_table = text.split("| Hub field | paperwire |", 1)[1].split("\n\n", 1)[0]
    extra_table = text.split("| field | why |", 1)[1].split("\n\n", 1)[0]
    given: dict[str, str] = {}
    for row in hub_table.splitlines()[2:]:
        names, value = row.strip("|").split("|", 1)
        for name in re.findall(r"`([^`]+)`", names):
            assert name not in given, f"{name} is named twice"
            given[name] = value.strip()
    extras = {
        name
        for row in extra_table.splitlines()[2:]
        for name in re.findall(r"`([^`]+)`", row.strip("|").split("|", 1)[0])
    }
    return given, extras


def test_every_field_of_the_hub_answer_is_given_or_documented_absent(client: TestClient) -> None:
    hub = field_types(recording())
    ours = field_types(get(client, f"/api/daily_papers?date={HF_DAY}&limit=100"))
    given, extras = documented()
    # The Hub's item: 10 fields, and 18 in its paper object.
    assert len([f for f in hub if not re.search(r"[.\[]", f)]) == 10
    assert len([f for f in hub if re.fullmatch(r"paper\.\w+", f)]) == 18
    # The table names every field of the Hub's answer, and nothing else.
    assert set(given) == set(hub)
    absent = {field for field, value in given.items() if value.startswith("absent")}
    # What paperwire leaves out is exactly what the table says is absent...
    assert set(hub) - set(ours) == absent
    # ...each field it fills has the Hub's type...
    for field in set(ours) & set(hub):
        assert ours[field] <= hub[field], (field, ours[field], hub[field])
    # ...and it adds only the documented fields.
    assert set(ours) - set(hub) == extras == {"submittedBy.user"}
    assert ours["submittedBy.user"] == hub["paper.submittedOnDailyBy.user"]
    # ai_summary, ai_summary_model and ai_keywords are among the filled fields.
    assert {"paper.ai_summary", "paper.ai_summary_model", "paper.ai_keywords[]"} <= set(ours)


def test_paper_info_gives_the_fields_of_the_paper_object(client: TestClient) -> None:
    hub = {
        field.removeprefix("paper."): types
        for field, types in field_types(recording()).items()
        if field.startswith("paper.")
    }
    given, _ = documented()
    absent = {
        field.removeprefix("paper.")
        for field, value in given.items()
        if field.startswith("paper.") and value.startswith("absent")
    }
    ours: dict[str, set[str]] = {}
    for paper_id in by_id():
        for field, types in field_types([get(client, f"/api/papers/{paper_id}")]).items():
            ours.setdefault(field, set()).update(types)
    # The discussion's count, which the Hub's client reads here (PaperInfo.comments) and
    # the daily item's numComments beside `paper` holds: checked with the item's fields.
    ours.pop("numComments")
    assert set(hub) - set(ours) == absent
    assert set(ours) <= set(hub)
    for field in ours:
        assert ours[field] <= hub[field], field


def sentences_of(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s]


def test_ai_summary_is_the_extractive_summary_of_the_abstract(
    client: TestClient, served: Served
) -> None:
    items = get(client, f"/api/daily_papers?date={HF_DAY}&limit=100")
    assert len(items) == 30
    for item in items:
        paper = item["paper"]
        stored = served.store.get_paper(paper["id"])
        assert stored is not None
        assert paper["ai_summary"] == summarize(stored.abstract)
        assert paper["ai_summary_model"] == "paperwire-extractive"
        # Sentences of the abstract, as readable text, never more than two of them.
        abstract = plain_text(stored.abstract)
        assert all(part in abstract for part in sentences_of(paper["ai_summary"]))
        assert len(paper["ai_summary"]) < len(abstract) or len(sentences_of(abstract)) <= 2
    # The same through search and through one paper.
    found = get(client, "/api/papers/search?q=MiniMax+Sparse+Attention&limit=1")[0]
    assert found["paper"]["ai_summary"] == get(client, "/api/papers/2606.13392")["ai_summary"]


def test_ai_keywords_are_terms_of_the_stored_topic_that_the_paper_uses(
    client: TestClient, served: Served
) -> None:
    stored = served.store.day_topics(date.fromisoformat(HF_DAY))
    assert stored is not None and stored.topics, "the recorded day is grouped by the index job"
    topic_terms = {pid: topic.terms for topic in stored.topics for pid in topic.paper_ids}
    items = get(client, f"/api/daily_papers?date={HF_DAY}&limit=100")
    with_keywords = 0
    for item in items:
        paper = item["paper"]
        keywords = paper.get("ai_keywords")
        if keywords is None:
            continue
        with_keywords += 1
        terms = topic_terms[paper["id"]]
        assert keywords == [t for t in terms if t in keywords]  # the label's terms, in order
        text = (paper["title"] + " " + plain_text(paper["summary"])).lower()
        for keyword in keywords:  # each one written in the paper (stems may differ)
            assert any(word[:4] in text for word in keyword.lower().split()), keyword
    assert with_keywords >= 20


DAY = date(2026, 3, 2)
TERMS = ["gaussian splatting", "3D", "LLMs"]


def listed(pid: str, title: str, abstract: str, day: date = DAY) -> Paper:
    return Paper(
        id=pid,
        title=title,
        abstract=abstract,
        authors=[Author("A. Author")],
        categories=["cs.CV"],
        published_at=datetime.combine(day, datetime.min.time(), UTC),
        feed_dates=[FeedDate(day, "arxiv")],
        sources=["test"],
    )


@pytest.fixture
def grouped_day(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """A store with one day whose topics are stored as the index job stores them."""
    for key in list(os.environ):
        if key.startswith("PAPERWIRE_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'paperwire.db'}", base_url=BASE_URL)
    store = open_store(settings.database_url)
    store.migrate()
    store.upsert_papers(
        [
            listed(
                "2603.00001",
                "Gaussian splats for 3D scenes",
                "We fit Gaussian splatting models to scanned scenes. They render fast.",
            ),
            listed(
                "2603.00002",
                "Reading scenes with language models",
                "Gaussian, splatting and LLMs meet: we describe scenes in words.",
            ),
            listed(
                "2603.00003",
                "Point clouds without labels",
                "Self-supervised point clouds. Code: https://github.com/a/gaussian-splatting-3d",
            ),
            listed("2603.00004", "A late 3D paper", "Arrived after the day was grouped: 3D."),
            listed("2603.00005", "Another day", "3D Gaussian splatting.", date(2026, 3, 3)),
        ]
    )
    # 2603.00005 belongs to the next day: being named by this day's topic does not count.
    members = ["2603.00001", "2603.00002", "2603.00003", "2603.00005"]
    topic = Topic(label=", ".join(TERMS), terms=TERMS, paper_ids=members)
    store.save_day_topics(DAY, fingerprint="test", topics=[topic])
    app = create_app(settings, store)
    with TestClient(app) as test_client:
        yield test_client
    store.close()


def test_ai_keywords_of_a_grouped_day(grouped_day: TestClient) -> None:
    items = get(grouped_day, f"/api/daily_papers?date={DAY}")
    keywords = {item["paper"]["id"]: item["paper"].get("ai_keywords") for item in items}
    assert keywords == {
        # "splats" is a form of "splatting"; the label's order is kept.
        "2603.00001": ["gaussian splatting", "3D"],
        # Punctuation between the two words: not the two-word term.
        "2603.00002": ["LLMs"],
        # Words inside a URL do not count: none of the terms, so no keywords.
        "2603.00003": None,
        # Not in the stored topics (listed after the day was grouped).
        "2603.00004": None,
    }
    assert get(grouped_day, "/api/papers/2603.00001")["ai_keywords"] == ["gaussian splatting", "3D"]
    # A paper on a day never grouped has no keywords (though another day's topic names
    # it); the summary does not depend on topics.
    other = get(grouped_day, "/api/papers/2603.00005")
    assert "ai_keywords" not in other
    assert other["ai_summary"] == "3D Gaussian splatting."
    assert other["ai_summary_model"] == "paperwire-extractive"


# -- the real huggingface_hub client against a real server ---------------------------------


@pytest.fixture(scope="module")
def server_url(served: Served) -> Iterator[str]:
    """paperwire served by uvicorn on 127.0.0.1, on a port the OS picked."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(served.app, log_level="warning", ws="none", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def hub(server_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[HfApi, list[str]]]:
    """An ``HfApi`` for the paperwire server, and every URL the client asked for. The
    client's session refuses any request that is not for the loopback server.

    ``huggingface_hub`` reads ``HF_ENDPOINT`` and ``HF_HUB_DISABLE_TELEMETRY`` once, at
    import, so the variables are set for what reads them later and the module's constants
    are set too. Without telemetry disabled the client would ask the Hub for its registry
    of agent harnesses (``{ENDPOINT}/api/agent-harnesses``) to build its user agent.
    """
    monkeypatch.setenv("HF_ENDPOINT", server_url)
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.setattr(hf_constants, "ENDPOINT", server_url)
    monkeypatch.setattr(hf_constants, "HF_HUB_DISABLE_TELEMETRY", True)
    asked: list[str] = []
    refused: list[str] = []
    server = urlsplit(server_url)

    def only_loopback(request: httpx2.Request) -> None:
        asked.append(str(request.url))
        if (request.url.host, request.url.port) != (server.hostname, server.port):
            refused.append(str(request.url))
            raise AssertionError(f"a request left the paperwire server: {request.url}")

    def factory() -> httpx2.Client:
        client = hf_http.default_client_factory()
        client.event_hooks["request"] = [only_loopback, *client.event_hooks["request"]]
        return client

    hf_http.set_client_factory(factory)
    try:
        yield HfApi(endpoint=server_url, token=False), asked
    finally:
        hf_http.set_client_factory(hf_http.default_client_factory)
    # A refused request may have been swallowed by the client (best-effort calls are).
    assert refused == []


def test_client_list_daily_papers(hub: tuple[HfApi, list[str]], server_url: str) -> None:
    api, asked = hub
    papers = list(api.list_daily_papers(date=HF_DAY))
    assert asked == [f"{server_url}/api/daily_papers?date={HF_DAY}"]
    assert all(isinstance(p, PaperInfo) for p in papers)
    recorded = by_id()
    assert len(papers) == 30
    assert {p.id for p in papers} == set(recorded)
    for paper in papers:
        want = recorded[paper.id]["paper"]
        # The client turns an upvote count of 0 into None (``a or b``); both mean none.
        assert (paper.upvotes or 0) == want["upvotes"]
        assert paper.title == want["title"]
        assert paper.published_at == datetime.fromisoformat(want["publishedAt"])
        assert paper.submitted_by is not None
        assert paper.submitted_by.username == want["submittedOnDailyBy"]["user"]
        assert paper.authors is not None
        assert [a.name for a in paper.authors] == [a["name"] for a in want["authors"]]
        assert paper.summary is not None and words(paper.summary) == words(want["summary"])
        assert paper.comments == 0
    top = max(papers, key=lambda p: p.upvotes or 0)
    assert (top.id, top.upvotes) == ("2606.13681", 118)


def test_client_list_daily_papers_with_every_parameter(hub: tuple[HfApi, list[str]]) -> None:
    api, asked = hub
    top = list(api.list_daily_papers(week="2026-W24", sort="trending", limit=2, p=0))
    assert [(p.id, p.upvotes) for p in top] == [("2606.13681", 118), ("2606.13392", 103)]
    second = list(api.list_daily_papers(month="2026-06", sort="trending", limit=2, p=1))
    assert [(p.id, p.upvotes) for p in second] == [("2606.08063", 74), ("2606.13289", 25)]
    mine = list(api.list_daily_papers(date=HF_DAY, submitter="pianzhikuang"))
    assert {p.id for p in mine} == {"2606.09290", "2606.09304"}
    assert len(asked) == 3


def test_client_paper_info(hub: tuple[HfApi, list[str]], server_url: str) -> None:
    api, asked = hub
    info = api.paper_info("2606.13392")
    assert asked == [f"{server_url}/api/papers/2606.13392"]
    assert info.id == "2606.13392"
    assert info.title == "MiniMax Sparse Attention"
    assert info.upvotes == 103
    assert info.github_repo == "https://github.com/MiniMax-AI/MSA"
    assert info.github_stars == 251
    assert info.project_page is None
    assert info.published_at == datetime(2026, 6, 11, tzinfo=UTC)
    assert info.submitted_at == datetime(2026, 6, 12, tzinfo=UTC)
    assert info.submitted_by is not None and info.submitted_by.username == "ryanlee-dev"
    assert info.authors is not None and info.authors[0].name == "Xunhao Lai"
    assert info.summary is not None and info.summary.startswith("Ultra-long-context capability")
    # The Hub's AI fields, which the client reads from the paper object.
    answer = json.loads(httpx2.get(f"{server_url}/api/papers/2606.13392").text)
    assert info.ai_summary is not None and info.ai_summary == answer["ai_summary"]
    assert info.ai_summary.startswith("We introduce MiniMax Sparse Attention (MSA)")
    assert info.ai_keywords == answer["ai_keywords"] and info.ai_keywords
    assert info.ai_summary_model == "paperwire-extractive"  # kept by the client as it is
    assert info.submitted_by.fullname == ""  # not known, so not sent
    page = api.paper_info("2606.13681")
    assert page.project_page == "https://aiden0526.github.io/EvoArena/"


def test_client_paper_info_unknown_id(hub: tuple[HfApi, list[str]]) -> None:
    api, _ = hub
    with pytest.raises(HfHubHTTPError) as raised:
        api.paper_info("2606.99999")
    assert raised.value.response.status_code == 404
    assert "paper not found: 2606.99999" in str(raised.value)


def test_client_list_papers(hub: tuple[HfApi, list[str]], server_url: str) -> None:
    api, asked = hub
    papers = list(api.list_papers(query="sparse attention"))
    assert asked == [f"{server_url}/api/papers/search?q=sparse+attention"]
    assert papers and all(isinstance(p, PaperInfo) for p in papers)
    assert len(papers) == 50  # the default page
    ids = [p.id for p in papers]
    assert "2606.13392" in ids[:5]
    assert all(p.title for p in papers)
    assert all("sparse" in (p.title or "").lower() + (p.summary or "").lower() for p in papers[:5])
    best = list(api.list_papers(query="MiniMax Sparse Attention", limit=1))
    assert [(p.id, p.title, p.upvotes) for p in best] == [
        ("2606.13392", "MiniMax Sparse Attention", 103)
    ]
