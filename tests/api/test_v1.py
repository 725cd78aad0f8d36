"""paperwire's JSON API (/api/v1) over the indexed sample plus the recorded HF daily papers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from paperwire.config import Settings
from paperwire.ingest import import_files
from paperwire.store import Store
from paperwire.web.app import create_app
from tests.api.conftest import BASE_URL, HF_DAY, Served, hf_recording

PAPER_FIELDS = {
    "id", "version", "title", "abstract", "authors", "categories", "published_at",
    "updated_at", "comment", "journal_ref", "doi", "license", "abs_url", "pdf_url",
    "github_repo", "github_stars", "project_page", "upvotes", "upvotes_imported",
    "upvotes_local", "submitted_by", "submitted_at",
    "sources", "feed_dates", "first_seen_at",
}  # fmt: skip


def recorded_ids() -> set[str]:
    return {item["paper"]["id"] for item in json.loads(hf_recording().read_text())}


def get(client: TestClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


def follow(client: TestClient, url: str) -> list[dict[str, Any]]:
    """Every paper of a paginated list, following ``next`` to the end."""
    papers: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url is not None:
        page = get(client, next_url.removeprefix(BASE_URL))
        papers += page["papers"]
        next_url = page["next"]
    return papers


# -- papers ------------------------------------------------------------------------------


def test_papers_of_a_day_are_the_recorded_daily_papers(client: TestClient) -> None:
    page = get(client, f"/api/v1/papers?date={HF_DAY}&limit=100")
    assert {p["id"] for p in page["papers"]} == recorded_ids()
    assert page["next"] is None
    dates = [p["published_at"] for p in page["papers"]]
    assert dates == sorted(dates, reverse=True)  # newest first


def test_paper_objects_carry_every_field_and_a_url(client: TestClient, served: Served) -> None:
    page = get(client, f"/api/v1/papers?date={HF_DAY}&limit=5")
    for paper in page["papers"]:
        assert set(paper) == PAPER_FIELDS | {"url"}
        assert paper["url"] == f"{BASE_URL}/papers/{paper['id']}"
        stored = served.store.get_paper(paper["id"])
        assert stored is not None
        expected = stored.to_dict()
        assert paper["title"] == expected["title"]
        assert paper["authors"] == expected["authors"]
        assert paper["feed_dates"] == expected["feed_dates"]


def test_papers_paginate_with_next(client: TestClient) -> None:
    first = get(client, f"/api/v1/papers?date={HF_DAY}&limit=12")
    assert len(first["papers"]) == 12
    assert first["next"] == f"{BASE_URL}/api/v1/papers?date={HF_DAY}&limit=12&offset=12"
    everything = follow(client, f"/api/v1/papers?date={HF_DAY}&limit=12")
    assert len(everything) == 30
    assert {p["id"] for p in everything} == recorded_ids()


def test_papers_of_a_week_and_a_month(client: TestClient) -> None:
    week = get(client, "/api/v1/papers?week=2026-W24&limit=100")  # Monday 8 to Sunday 14 June
    assert {p["id"] for p in week["papers"]} == recorded_ids()
    july = follow(client, "/api/v1/papers?month=2026-07&limit=100")
    # Jul 1 listed 301 papers; 2606.30338 was first announced on Jun 30, so June holds it
    assert len(july) == 300
    assert all(min(f["date"] for f in p["feed_dates"]).startswith("2026-07") for p in july)
    june = get(client, "/api/v1/papers?month=2026-06&limit=100")
    assert len(june["papers"]) == 100 and june["next"] is not None


def test_papers_of_a_category(client: TestClient) -> None:
    page = get(client, "/api/v1/papers?date=2026-07-01&category=cs.CL&limit=100")
    assert page["papers"]
    assert all("cs.CL" in p["categories"] for p in page["papers"])
    everything = get(client, "/api/v1/papers?date=2026-07-01&limit=100")
    assert len(page["papers"]) < len(everything["papers"])


def test_all_papers_without_a_date(client: TestClient, served: Served) -> None:
    page = get(client, "/api/v1/papers")
    assert len(page["papers"]) == 50
    assert page["next"] == f"{BASE_URL}/api/v1/papers?offset=50"
    last = get(client, f"/api/v1/papers?offset={served.store.count_papers() - 1}")
    assert len(last["papers"]) == 1 and last["next"] is None


# -- one paper ---------------------------------------------------------------------------


def test_one_paper_every_field(client: TestClient) -> None:
    paper = get(client, "/api/v1/papers/2606.13392")
    assert paper["title"] == "MiniMax Sparse Attention"
    assert paper["upvotes"] == 103
    assert paper["github_repo"] == "https://github.com/MiniMax-AI/MSA"
    assert paper["github_stars"] == 251
    assert paper["submitted_by"] == "ryanlee-dev"
    assert paper["submitted_at"] == "2026-06-12T00:00:00Z"
    assert paper["published_at"] == "2026-06-11T00:00:00Z"
    assert paper["feed_dates"] == [{"feed": "hf-daily", "date": "2026-06-12"}]
    assert paper["authors"][0] == {"name": "Xunhao Lai", "affiliation": None}
    assert paper["abs_url"] == "https://arxiv.org/abs/2606.13392"
    assert paper["url"] == f"{BASE_URL}/papers/2606.13392"


@pytest.mark.parametrize(
    "asked", ["2606.13392v3", "arXiv:2606.13392", "https://arxiv.org/abs/2606.13392v1"]
)
def test_one_paper_by_another_spelling_of_its_id(client: TestClient, asked: str) -> None:
    assert get(client, f"/api/v1/papers/{asked}")["id"] == "2606.13392"


def test_one_paper_with_an_old_style_id(client: TestClient) -> None:
    for asked in ("hep-th/9901001", "hep-th/9901001v2"):
        paper = get(client, f"/api/v1/papers/{asked}")
        assert paper["id"] == "hep-th/9901001"
        assert paper["version"] == 2
        assert paper["categories"] == ["hep-th"]
        assert paper["published_at"] == "1999-01-04T00:00:00Z"
        assert paper["url"] == f"{BASE_URL}/papers/hep-th/9901001"


def test_unknown_paper_is_404(client: TestClient) -> None:
    assert get(client, "/api/v1/papers/2606.99999", 404) == {"detail": "no paper '2606.99999'"}
    assert get(client, "/api/v1/papers/2606.99999/similar", 404)["detail"].startswith("no paper")


# -- similar -----------------------------------------------------------------------------


def test_similar_papers_with_scores_and_reasons(client: TestClient) -> None:
    found = get(client, "/api/v1/papers/2606.13392v2/similar?limit=5")
    assert found["id"] == "2606.13392"
    papers = found["papers"]
    assert len(papers) == 5
    assert "2606.13392" not in {p["id"] for p in papers}
    scores = [p["score"] for p in papers]
    assert scores == sorted(scores, reverse=True)
    assert all(set(p) == PAPER_FIELDS | {"url", "score", "reason"} for p in papers)
    # A neighbour shares the paper's rare terms (GQA is grouped query attention).
    assert any("gqa" in p["reason"] for p in papers)
    assert all(p["reason"].startswith("shared terms: ") for p in papers)


def test_similar_limit(client: TestClient) -> None:
    assert len(get(client, "/api/v1/papers/2606.13681/similar?limit=1")["papers"]) == 1
    assert len(get(client, "/api/v1/papers/2606.13681/similar")["papers"]) == 10


# -- search ------------------------------------------------------------------------------


def test_search_modes(client: TestClient) -> None:
    for mode in ("hybrid", "keyword", "semantic"):
        found = get(client, f"/api/v1/search?q=MiniMax+Sparse+Attention&mode={mode}&limit=5")
        assert found["query"] == "MiniMax Sparse Attention"
        assert found["mode"] == mode
        assert found["papers"][0]["id"] == "2606.13392"
        assert found["papers"][0]["title"] == "MiniMax Sparse Attention"
        # The query is that paper's whole title: it names the paper.
        assert found["papers"][0]["reason"] == "named: its title"
    keyword = get(client, "/api/v1/search?q=MiniMax+Sparse&mode=keyword&limit=1")
    assert keyword["papers"][0]["id"] == "2606.13392"
    assert keyword["papers"][0]["reason"] == "matches: minimax, sparse"
    semantic = get(client, "/api/v1/search?q=MiniMax+Sparse&mode=semantic&limit=1")
    assert semantic["papers"][0]["reason"] == "close in meaning"


def test_search_pages(client: TestClient) -> None:
    ten = get(client, "/api/v1/search?q=sparse+attention&limit=10")["papers"]
    first = get(client, "/api/v1/search?q=sparse+attention&limit=5")
    assert first["next"] == f"{BASE_URL}/api/v1/search?q=sparse+attention&limit=5&offset=5"
    second = get(client, first["next"].removeprefix(BASE_URL))
    assert [p["id"] for p in first["papers"] + second["papers"]] == [p["id"] for p in ten]


def test_search_filters(client: TestClient) -> None:
    with_code = get(client, "/api/v1/search?q=sparse+attention&has_code=true&limit=10")["papers"]
    assert with_code and all(p["github_repo"] for p in with_code)
    assert with_code[0]["id"] == "2606.13392"
    in_cl = get(client, "/api/v1/search?q=language+models&category=cs.CL&limit=10")["papers"]
    assert in_cl and all("cs.CL" in p["categories"] for p in in_cl)
    dated = get(
        client, "/api/v1/search?q=language+models&since=2026-06-01&until=2026-06-11&limit=10"
    )["papers"]
    assert dated and {p["id"] for p in dated} <= recorded_ids()
    assert all("2026-06-01" <= p["published_at"][:10] <= "2026-06-11" for p in dated)


def test_search_errors(client: TestClient) -> None:
    assert get(client, "/api/v1/search?q=x&mode=fuzzy", 400)["detail"].startswith("mode: ")
    assert get(client, "/api/v1/search", 400) == {"detail": "q: Field required"}
    assert get(client, "/api/v1/search?q=x&since=June", 400) == {
        "detail": "since: expected YYYY-MM-DD"
    }
    assert get(client, "/api/v1/search?q=x&limit=101", 400) == {
        "detail": "limit: Input should be less than or equal to 100"
    }
    assert get(client, "/api/v1/search?q=a%00b", 400) == {
        "detail": "q: the query holds a control character (U+0000)"
    }
    words = "+".join(["graph"] * 65)
    assert get(client, f"/api/v1/search?q={words}", 400) == {
        "detail": "q: at most 64 words (got 65)"
    }
    assert get(client, "/api/v1/search?q=x&category=cs%00", 400) == {
        "detail": "category: expected an arXiv category such as cs.CV, got 'cs\\x00'"
    }
    assert get(client, "/api/v1/search?q=x&since=9999-12-31", 400) == {
        "detail": "since: out of range (1900-01-01 to 2999-12-31)"
    }


@pytest.mark.parametrize("path", ["/api/v1/papers/{}", "/api/v1/papers/{}/similar"])
def test_ids_that_cannot_be_ids_are_400(client: TestClient, path: str) -> None:
    assert get(client, path.format("a%00b"), 400) == {
        "detail": "paper_id: a paper id holds no control characters (got U+0000)"
    }
    assert get(client, path.format("x" * 201), 400) == {
        "detail": "paper_id: a paper id has at most 200 characters (got 201)"
    }
    assert get(client, path.format("x" * 200), 404)["detail"].startswith("no paper")


# -- trending ----------------------------------------------------------------------------


def test_trending_month_ranks_by_upvotes_and_stars(client: TestClient) -> None:
    found = get(client, f"/api/v1/trending?window=month&at={HF_DAY}&limit=3")
    assert found["window"] == "month" and found["at"] == HF_DAY
    top = [(p["id"], p["reason"]) for p in found["papers"]]
    # The stars came with the import, after HF_DAY: as it stood then, upvotes lead.
    assert top == [
        ("2606.13681", "118 upvotes this month"),
        ("2606.13392", "103 upvotes this month"),
        ("2606.08063", "74 upvotes this month"),
    ]
    scores = [p["score"] for p in found["papers"]]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[2]
    assert found["next"] == f"{BASE_URL}/api/v1/trending?window=month&at={HF_DAY}&limit=3&offset=3"


def test_trending_day_pages(client: TestClient) -> None:
    papers = follow(client, f"/api/v1/trending?window=day&at={HF_DAY}&limit=7")
    assert {p["id"] for p in papers} == recorded_ids()
    scores = [p["score"] for p in papers]
    assert scores == sorted(scores, reverse=True)


def test_trending_defaults_to_the_latest_day(client: TestClient) -> None:
    found = get(client, "/api/v1/trending")
    assert found["window"] == "week" and found["at"] == "2026-07-01"
    assert len(found["papers"]) == 20
    # The sample has no upvotes or stars: its papers are new, newest first.
    assert all(p["reason"] == "new this week" for p in found["papers"])


def test_trending_errors(client: TestClient) -> None:
    assert get(client, "/api/v1/trending?window=year", 400) == {
        "detail": "window: Input should be 'day', 'week' or 'month'"
    }
    assert get(client, "/api/v1/trending?at=2026-02-30", 400) == {
        "detail": "at: expected YYYY-MM-DD"
    }


# -- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("date=2026-6-12", "date: expected YYYY-MM-DD"),
        ("date=yesterday", "date: expected YYYY-MM-DD"),
        ("date=0001-01-01", "date: out of range (1900-01-01 to 2999-12-31)"),
        ("week=2026-24", "week: expected YYYY-Www (an ISO week, e.g. 2026-W24)"),
        ("week=2026-W54", "week: expected YYYY-Www (an ISO week, e.g. 2026-W24)"),
        ("month=2026-13", "month: expected YYYY-MM"),
        ("date=2026-06-12&month=2026-06", "date, month: give only one of date, week and month"),
    ],
)
def test_bad_days_are_400_naming_the_parameter(client: TestClient, query: str, detail: str) -> None:
    assert get(client, f"/api/v1/papers?{query}", 400) == {"detail": detail}


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("limit=0", "limit: Input should be greater than or equal to 1"),
        ("limit=101", "limit: Input should be less than or equal to 100"),
        (
            "limit=ten",
            "limit: Input should be a valid integer, unable to parse string as an integer",
        ),
        ("offset=-1", "offset: Input should be greater than or equal to 0"),
    ],
)
def test_bad_limits_are_400_naming_the_parameter(
    client: TestClient, query: str, detail: str
) -> None:
    assert get(client, f"/api/v1/papers?{query}", 400) == {"detail": detail}


def test_without_a_search_index_search_is_503_and_similar_not_ready(
    store: Store, db_url: str
) -> None:
    assert import_files(store, [hf_recording()]).ok
    app = create_app(Settings(database_url=db_url), store)
    with TestClient(app) as client:
        expected = {"detail": "no search index yet: run `paperwire index` on the server"}
        assert get(client, "/api/v1/search?q=attention", 503) == expected
        not_ready = {"id": "2606.13392", "ready": False, "papers": []}
        assert get(client, "/api/v1/papers/2606.13392/similar") == not_ready
        assert get(client, "/api/v1/papers/2606.13392")["upvotes"] == 103  # the rest works


def test_empty_store(store: Store, db_url: str) -> None:
    with TestClient(create_app(Settings(database_url=db_url), store)) as client:
        assert get(client, "/api/v1/papers") == {"papers": [], "next": None}
        assert get(client, "/api/v1/trending") == {
            "window": "week",
            "at": None,
            "papers": [],
            "next": None,
        }


# -- the schema --------------------------------------------------------------------------


def test_openapi_describes_the_api(client: TestClient) -> None:
    schema = get(client, "/openapi.json")
    paths = schema["paths"]
    for path in (
        "/api/v1/papers",
        "/api/v1/papers/{paper_id}",
        "/api/v1/papers/{paper_id}/similar",
        "/api/v1/search",
        "/api/v1/trending",
    ):
        assert "get" in paths[path], path
    papers = paths["/api/v1/papers"]["get"]
    assert {p["name"] for p in papers["parameters"]} == {
        "date", "week", "month", "category", "limit", "offset",
    }  # fmt: skip
    ok = papers["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/PaperListOut"}
    for code in ("400", "422"):
        error = papers["responses"][code]["content"]["application/json"]["schema"]
        assert error == {"$ref": "#/components/schemas/ErrorOut"}
    one = paths["/api/v1/papers/{paper_id}"]["get"]["responses"]
    assert one["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    similar = paths["/api/v1/papers/{paper_id}/similar"]["get"]["responses"]
    assert "503" not in similar  # not computed yet is ready: false, not an error
    assert "ready" in schema["components"]["schemas"]["SimilarOut"]["required"]
    components = schema["components"]["schemas"]
    assert set(components["PaperOut"]["properties"]) == PAPER_FIELDS | {"url"}
    assert set(components["ScoredPaperOut"]["properties"]) == PAPER_FIELDS | {
        "url", "score", "reason",
    }  # fmt: skip
    published = components["PaperOut"]["properties"]["published_at"]["anyOf"][0]
    assert published == {"type": "string", "format": "date-time"}
    limit = next(p for p in papers["parameters"] if p["name"] == "limit")["schema"]
    assert (limit["minimum"], limit["maximum"]) == (1, 100)
    window = next(
        p for p in paths["/api/v1/trending"]["get"]["parameters"] if p["name"] == "window"
    )
    assert window["schema"]["enum"] == ["day", "week", "month"]
    for path, item in paths.items():
        if path.startswith("/api/"):
            assert "HTTPValidationError" not in json.dumps(item), path
