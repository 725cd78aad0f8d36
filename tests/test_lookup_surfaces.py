"""A paper named by id, link or DOI comes first in ``paperwire search``, ``/api/v1/search``
and ``/search`` (which goes straight to the paper), on a real SQLite store and index."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from fastapi.testclient import TestClient

from paperwire.cli import cli
from paperwire.config import Settings
from paperwire.index.jobs import update_index
from paperwire.models import Author, Paper
from paperwire.store import Store
from paperwire.web.app import create_app
from tests.fresh import fresh_store

TARGET = "2606.17935"
DECOY = "2606.20001"
OLD = "hep-th/9901001"
WITH_DOI = "2605.01234"
JOURNAL_DOI = "10.1145/3580305.3599256"
SHARED_DOI = "10.5555/Shared.2026.7"
SHARING = ["2604.00011", "2604.00012"]
MISSING = "2606.99999"

#: Every way a reader may name TARGET.
TARGET_FORMS = [
    TARGET,
    f"{TARGET}v2",
    f"arXiv:{TARGET}",
    f"ARXIV:{TARGET}v1",
    f"arxiv: {TARGET}",
    f"https://arxiv.org/abs/{TARGET}",
    f"http://www.arxiv.org/abs/{TARGET}v3",
    f"arxiv.org/abs/{TARGET}",
    f"export.arxiv.org/abs/{TARGET}",
    f"https://arxiv.org/pdf/{TARGET}v2.pdf",
    f"https://arxiv.org/html/{TARGET}v1/",
    f"10.48550/arXiv.{TARGET}",
    f"https://doi.org/10.48550/arXiv.{TARGET}",
    f"https://huggingface.co/papers/{TARGET}",
    f"  {TARGET}  ",
]


def paper(pid: str, title: str, abstract: str, **more: object) -> Paper:
    values: dict[str, object] = {
        "version": 1,
        "authors": [Author("Ada Example")],
        "categories": ["cs.CV"],
        "published_at": datetime(2026, 6, 20, 12, 0, tzinfo=UTC),
        "sources": ["test"],
    }
    values.update(more)
    return Paper(id=pid, title=title, abstract=abstract, **values)  # type: ignore[arg-type]


def papers() -> list[Paper]:
    return [
        paper(
            TARGET,
            "MoonSplat: Monocular Online Gaussian Splatting with Global Optimization",
            "Online reconstruction from monocular image sequences with Gaussian splatting "
            "and global loop closure for camera poses.",
        ),
        # Its words are the parts of TARGET's id: a search by words alone finds it first.
        paper(
            DECOY,
            "A Benchmark of 2606 Scenes and 17935 Frames",
            "We release 2606 indoor scenes holding 17935 annotated frames for depth "
            "estimation; 2606 scenes are outdoors.",
        ),
        paper(
            OLD,
            "An Old-Style Identifier on String Dualities",
            "Old arXiv identifiers keep their archive name and a slash.",
            categories=["hep-th"],
            published_at=datetime(1999, 1, 4, tzinfo=UTC),
        ),
        paper(
            WITH_DOI,
            "Retrieval Augmented Ranking for Recommendation",
            "A ranking model for recommendation that retrieves similar sessions.",
            doi=JOURNAL_DOI,
            categories=["cs.IR"],
        ),
        paper(
            SHARING[0],
            "Part One of a Shared Record",
            "The first half of a study published under one DOI.",
            doi=SHARED_DOI,
        ),
        paper(
            SHARING[1],
            "Part Two of a Shared Record",
            "The second half of a study published under one DOI.",
            doi=SHARED_DOI.lower(),
        ),
        paper(
            "2606.20002",
            "Gaussian Splatting for Large Outdoor Scenes",
            "We scale Gaussian splatting to city blocks with level of detail.",
        ),
        paper(
            "2606.20003",
            "Depth Estimation from a Single Image",
            "Monocular depth estimation with a transformer decoder.",
        ),
    ]


@dataclass(frozen=True, slots=True)
class Site:
    store: Store
    settings: Settings
    client: TestClient
    url: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("lookup")
    settings, store = fresh_store(folder)
    store.upsert_papers(papers())
    update_index(store, settings, similar=False)
    with TestClient(create_app(settings, store)) as client:
        yield Site(store, settings, client, settings.database_url)
    store.close()


def api_ids(client: TestClient, q: str, **params: str) -> list[str]:
    response = client.get("/api/v1/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return [p["id"] for p in response.json()["papers"]]


def card_ids(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    return [str(card["data-paper"]) for card in soup.select("main article.card")]


def cli_search(site: Site, *args: str) -> tuple[list[dict[str, object]], str]:
    result = CliRunner().invoke(
        cli, ["--database-url", site.url, "search", *args, "--json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result.stderr


# -- the store ------------------------------------------------------------------------


def test_store_finds_papers_by_doi_whatever_the_case(site: Site) -> None:
    assert site.store.ids_with_doi(JOURNAL_DOI) == [WITH_DOI]
    assert site.store.ids_with_doi(JOURNAL_DOI.upper()) == [WITH_DOI]
    assert site.store.ids_with_doi(SHARED_DOI.upper()) == SHARING
    assert site.store.ids_with_doi("10.1145/none") == []


def test_a_doi_is_found_by_the_index_not_by_reading_every_paper(site: Site) -> None:
    path = site.url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as db:
        plan = db.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM papers WHERE doi = ? COLLATE NOCASE",
            (JOURNAL_DOI,),
        ).fetchall()
    assert any("USING INDEX papers_doi" in str(row[-1]) for row in plan), plan


# -- the API --------------------------------------------------------------------------


def test_words_alone_find_the_decoy(site: Site) -> None:
    """What went wrong before: the parts of the id, as words, match another paper."""
    assert api_ids(site.client, "2606 17935")[0] == DECOY


@pytest.mark.parametrize("q", TARGET_FORMS)
@pytest.mark.parametrize("mode", ["hybrid", "keyword", "semantic"])
def test_api_finds_the_named_paper_alone(site: Site, q: str, mode: str) -> None:
    response = site.client.get("/api/v1/search", params={"q": q, "mode": mode})
    assert response.status_code == 200
    found = response.json()["papers"]
    assert [p["id"] for p in found] == [TARGET]
    assert found[0]["reason"] == f"named: arXiv:{TARGET}"


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        (OLD, [OLD]),
        (f"{OLD}v3", [OLD]),
        (f"arXiv:{OLD}", [OLD]),
        (f"https://arxiv.org/abs/{OLD}v2", [OLD]),
        (JOURNAL_DOI, [WITH_DOI]),
        (f"doi:{JOURNAL_DOI.upper()}", [WITH_DOI]),
        (f"https://doi.org/{JOURNAL_DOI}", [WITH_DOI]),
        (SHARED_DOI, SHARING),
        (f"{TARGET} {OLD}", [TARGET, OLD]),
    ],
)
def test_api_other_references(site: Site, q: str, expected: list[str]) -> None:
    assert api_ids(site.client, q) == expected


def test_api_id_inside_a_longer_query_comes_first(site: Site) -> None:
    found = api_ids(site.client, f"see {TARGET} for gaussian splatting details")
    assert found[0] == TARGET
    assert "2606.20002" in found[1:]  # the words still search
    assert found.count(TARGET) == 1


def test_api_paginates_past_the_named_paper(site: Site) -> None:
    q = f"gaussian splatting {TARGET}"
    first = site.client.get("/api/v1/search", params={"q": q, "limit": 1}).json()
    assert [p["id"] for p in first["papers"]] == [TARGET]
    assert first["next"] is not None
    second = site.client.get("/api/v1/search", params={"q": q, "limit": 1, "offset": 1}).json()
    assert second["papers"] and second["papers"][0]["id"] != TARGET


def test_api_filters_still_apply(site: Site) -> None:
    assert api_ids(site.client, TARGET, category="cs.IR") == []
    assert api_ids(site.client, TARGET, category="cs.CV") == [TARGET]


@pytest.mark.parametrize(
    "q", [MISSING, f"arXiv:{MISSING}v2", f"https://arxiv.org/abs/{MISSING}", "10.1145/nowhere"]
)
def test_api_a_paper_not_stored_finds_nothing(site: Site, q: str) -> None:
    response = site.client.get("/api/v1/search", params={"q": q})
    assert response.status_code == 200
    assert response.json()["papers"] == []


def test_api_a_missing_paper_in_a_longer_query_leaves_the_words(site: Site) -> None:
    assert api_ids(site.client, f"{MISSING} gaussian splatting")[0] in {TARGET, "2606.20002"}


@pytest.mark.parametrize(
    "q",
    [
        "9999.99999",
        "2606",
        "https://example.org/abs/2606.17935",
        "javascript:alert(2606.17935)",
        "10.1145/<script>alert(1)</script>",
        "https://[::1/abs/2606.17935",
        "arXiv:",
        "doi: 10.1",
        "https://arxiv.org/abs/" + "9" * 400,
        "２６０６.１７９３５",
        "٢٦٠٦.١٧٩٣٥",
    ],
)
def test_api_hostile_references_never_fail(site: Site, q: str) -> None:
    response = site.client.get("/api/v1/search", params={"q": q})
    assert response.status_code == 200


def test_api_full_width_digits_name_the_paper(site: Site) -> None:
    assert api_ids(site.client, "２６０６.１７９３５") == [TARGET]


def test_hugging_face_search_too(site: Site) -> None:
    response = site.client.get("/api/papers/search", params={"q": f"arxiv.org/abs/{TARGET}"})
    assert response.status_code == 200
    assert [item["paper"]["id"] for item in response.json()][:1] == [TARGET]


# -- the /search page -----------------------------------------------------------------


@pytest.mark.parametrize("q", TARGET_FORMS)
def test_page_goes_straight_to_the_paper(site: Site, q: str) -> None:
    response = site.client.get("/search", params={"q": q}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/papers/{TARGET}"
    assert site.client.get(response.headers["location"]).status_code == 200


@pytest.mark.parametrize(
    ("q", "where"),
    [
        (f"{OLD}v3", f"/papers/{OLD}"),
        (f"https://doi.org/{JOURNAL_DOI}", f"/papers/{WITH_DOI}"),
        (TARGET, f"/papers/{TARGET}"),
    ],
)
def test_page_redirects_whatever_the_filters(site: Site, q: str, where: str) -> None:
    params = {"q": q, "category": "cs.LG", "mode": "keyword", "page": "2"}
    response = site.client.get("/search", params=params, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == where


def test_page_lists_the_papers_of_a_shared_doi(site: Site) -> None:
    response = site.client.get("/search", params={"q": SHARED_DOI}, follow_redirects=False)
    assert response.status_code == 200
    assert card_ids(response.text) == SHARING


def test_page_id_inside_a_longer_query_is_the_first_result(site: Site) -> None:
    q = f"see {TARGET} for gaussian splatting details"
    response = site.client.get("/search", params={"q": q}, follow_redirects=False)
    assert response.status_code == 200
    found = card_ids(response.text)
    assert found[0] == TARGET and found.count(TARGET) == 1 and len(found) > 1


@pytest.mark.parametrize("q", [MISSING, f"arXiv:{MISSING}v2", f"huggingface.co/papers/{MISSING}"])
def test_page_says_a_paper_is_not_here(site: Site, q: str) -> None:
    response = site.client.get("/search", params={"q": q}, follow_redirects=False)
    assert response.status_code == 200
    soup = BeautifulSoup(response.text, "html.parser")
    notice = soup.select_one("main p.notice")
    assert notice is not None
    assert " ".join(notice.get_text().split()).startswith(f"No paper {MISSING} here yet.")
    link = notice.select_one("a")
    assert link is not None and link["href"] == f"/submit?paper={MISSING}"  # filled in
    assert soup.select_one("main .empty") is None  # not also "No papers match"
    assert card_ids(response.text) == []


def test_page_says_a_doi_is_not_here_and_escapes_it(site: Site) -> None:
    q = "10.1145/<b>bold</b>"
    response = site.client.get("/search", params={"q": q})
    assert response.status_code == 200
    soup = BeautifulSoup(response.text, "html.parser")
    notice = soup.select_one("main p.notice")
    assert notice is not None and notice.select("b, a") == []  # no submit: arXiv ids only
    assert notice.get_text().strip() == f"No paper with DOI {q} here yet."


def test_page_missing_paper_in_a_longer_query_still_shows_results(site: Site) -> None:
    response = site.client.get("/search", params={"q": f"{MISSING} gaussian splatting"})
    assert response.status_code == 200
    assert f"No paper {MISSING} here yet." in response.text
    assert card_ids(response.text)


def test_page_without_a_search_index_still_goes_to_the_paper(
    site: Site, tmp_path_factory: pytest.TempPathFactory
) -> None:
    empty = tmp_path_factory.mktemp("no-index")
    settings = Settings(database_url=site.settings.database_url, index_dir=str(empty))
    client = TestClient(create_app(settings, site.store))
    response = client.get("/search", params={"q": f"arXiv:{OLD}"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/papers/{OLD}"
    assert client.get("/search", params={"q": MISSING}).status_code == 200


def test_header_search_box_reaches_an_old_style_paper(site: Site) -> None:
    response = site.client.get(f"/search?q={quote(f'https://arxiv.org/abs/{OLD}v2')}")
    assert response.status_code == 200  # the redirect followed
    assert str(response.url).endswith(f"/papers/{OLD}")


# -- the command line -----------------------------------------------------------------


@pytest.mark.parametrize("q", [TARGET, f"https://arxiv.org/pdf/{TARGET}v2.pdf", f"arxiv:{TARGET}"])
def test_cli_finds_the_named_paper(site: Site, q: str) -> None:
    rows, errors = cli_search(site, q)
    assert [r["id"] for r in rows] == [TARGET]
    assert rows[0]["reason"] == f"named: arXiv:{TARGET}" and errors == ""


def test_cli_in_a_longer_query(site: Site) -> None:
    rows, _ = cli_search(site, f"gaussian splatting as in {TARGET}", "--mode", "keyword")
    assert rows[0]["id"] == TARGET and len(rows) > 1


def test_cli_says_a_paper_is_not_here(site: Site) -> None:
    rows, errors = cli_search(site, f"https://arxiv.org/abs/{MISSING}")
    assert rows == []
    assert errors.strip() == f"no paper arXiv:{MISSING} here yet"


def test_cli_batch(site: Site, tmp_path_factory: pytest.TempPathFactory) -> None:
    queries = tmp_path_factory.mktemp("batch") / "q.txt"
    queries.write_text(f"{TARGET}\n{OLD}v3\n{MISSING}\n")
    result = CliRunner().invoke(
        cli, ["--database-url", site.url, "search", "--batch", str(queries)]
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [[r["id"] for r in line] for line in lines] == [[TARGET], [OLD], []]
