"""A query that is a stored paper's whole title puts that paper first, whatever search
syntax its words hold, on a real store (both backends) and a real index."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from paperwire.index.jobs import update_index
from paperwire.index.search import Searcher
from paperwire.lookup import TITLE_REASON
from paperwire.models import Author, Filters, Paper
from paperwire.store import Store
from paperwire.web.app import create_app
from tests.fresh import fresh_store

#: A real title of the daily corpus whose " -3D" the keyword engine reads as "without 3D".
DASHED = "2606.30896"
DASHED_TITLE = (
    "Knowledge-Driven Dimension Estimation from a Single Image -3D Asset Generation "
    "Technology for Digital Twin Construction"
)
SHORT = "2606.40001"


def paper(pid: str, title: str, abstract: str, category: str = "cs.CV") -> Paper:
    return Paper(
        id=pid,
        title=title,
        abstract=abstract,
        version=1,
        authors=[Author("Ada Example")],
        categories=[category],
        published_at=datetime(2026, 6, 20, 12, 0, tzinfo=UTC),
        sources=["test"],
    )


def papers() -> list[Paper]:
    return [
        paper(
            DASHED,
            DASHED_TITLE,
            "We estimate the dimensions of objects from one photograph with knowledge of "
            "typical sizes, then generate 3D assets for digital twins of factories.",
        ),
        paper(
            "2606.40002",
            "Single Image Dimension Estimation for Digital Twin Construction",
            "Knowledge-driven estimation of object dimensions from a single image, for "
            "digital twin construction, asset generation technology without 3D input.",
        ),
        paper(
            "2606.40003",
            "Asset Generation for Digital Twins",
            "Generating assets of factories for digital twins from photographs.",
            category="cs.GR",
        ),
        paper(SHORT, "Graph Transformers", "Transformers over graphs with positional encodings."),
        paper(
            "2606.40005",
            "Graph Transformers at Scale: Sparse Attention over Millions of Nodes",
            "Graph transformers with sparse attention scale to millions of nodes; graph "
            "transformers beat message passing on long-range graph benchmarks.",
        ),
    ]


@pytest.mark.both_backends
def test_the_store_finds_papers_by_title_whatever_the_case_and_spacing(store: Store) -> None:
    store.upsert_papers(papers())
    assert store.ids_with_title(DASHED_TITLE) == [DASHED]
    assert store.ids_with_title(f"  {DASHED_TITLE.upper()}.  ") == [DASHED]
    assert store.ids_with_title(DASHED_TITLE.replace(" -3D", " - 3D")) == [DASHED]
    assert store.ids_with_title(DASHED_TITLE.removesuffix(" Construction")) == []
    assert store.ids_with_title("  ") == []
    assert store.ids_with_title("!?") == []


#: What a query may hold that is no title: control characters, SQL, wildcards, a very long
#: text, nothing but punctuation, other scripts.
HOSTILE = [
    "\x00",
    "Graph\x00 Transformers at Scale",
    "'; DROP TABLE papers; --",
    "% _ %",
    "x " * 50_000,
    "- - -",
    '"" "" ""',
    "🙂 🙂 🙂",
]


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.mark.both_backends
@pytest.mark.parametrize("title", HOSTILE)
def test_the_store_names_nothing_for_hostile_titles(store: Store, title: str) -> None:
    store.upsert_papers(papers())
    assert store.ids_with_title(title) == []
    assert store.count_papers() == len(papers())


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Searcher]:
    settings, store = fresh_store(tmp_path_factory.mktemp("titles"))
    store.upsert_papers(papers())
    update_index(store, settings, similar=False)
    yield Searcher(store, settings)
    store.close()


def ids(searcher: Searcher, query: str, **kwargs: object) -> list[str]:
    return [s.paper_id for s in searcher.search(query, **kwargs)]  # type: ignore[arg-type]


def test_the_words_alone_exclude_the_dashed_paper(searcher: Searcher) -> None:
    """What went wrong before: " -3D" excludes the paper the title belongs to."""
    found = searcher.keyword.search(DASHED_TITLE, limit=10)
    assert found and DASHED not in [s.paper_id for s in found]


@pytest.mark.parametrize("mode", ["hybrid", "keyword", "semantic"])
def test_a_pasted_title_finds_its_paper_first(searcher: Searcher, mode: str) -> None:
    found = searcher.search(DASHED_TITLE, mode=mode)  # type: ignore[arg-type]
    assert found[0].paper_id == DASHED
    assert found[0].reason == TITLE_REASON
    assert found[0].score >= max(s.score for s in found[1:])
    assert [s.paper_id for s in found].count(DASHED) == 1
    assert len(found) > 1, "the other results still follow"


@pytest.mark.both_backends
def test_the_store_folds_width_and_invisible_marks(store: Store) -> None:
    store.upsert_papers(papers())
    assert store.ids_with_title(full_width(DASHED_TITLE)) == [DASHED]
    assert store.ids_with_title(f"\u202e{DASHED_TITLE}\u202c") == [DASHED]


@pytest.mark.parametrize(
    "query",
    [
        "\u202e Graph Transformers \u202c",
        full_width("Graph Transformers"),
        "- Graph - Transformers -",
    ],
)
def test_marks_and_punctuation_are_no_words(searcher: Searcher, query: str) -> None:
    """Two words stay a topic, whatever stands between them."""
    assert all(s.reason != TITLE_REASON for s in searcher.search(query))
    assert ids(searcher, full_width(DASHED_TITLE))[0] == DASHED


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_name_no_paper(searcher: Searcher, query: str) -> None:
    assert all(s.reason != TITLE_REASON for s in searcher.search(query))


def test_case_and_punctuation_do_not_matter(searcher: Searcher) -> None:
    assert ids(searcher, DASHED_TITLE.lower() + ".")[0] == DASHED


def test_part_of_a_title_is_words(searcher: Searcher) -> None:
    found = searcher.search(DASHED_TITLE.removesuffix(" Construction"))
    assert all(s.reason != TITLE_REASON for s in found)
    assert DASHED not in [s.paper_id for s in searcher.search("Single Image -3D", mode="keyword")]


def test_a_short_title_stays_a_topic(searcher: Searcher) -> None:
    found = searcher.search("Graph Transformers", mode="keyword")
    assert all(s.reason != TITLE_REASON for s in found)


def test_filters_still_apply(searcher: Searcher) -> None:
    assert DASHED not in ids(searcher, DASHED_TITLE, filters=Filters(category="cs.GR"))
    assert ids(searcher, DASHED_TITLE, filters=Filters(category="cs.CV"))[0] == DASHED


def test_the_limit_holds(searcher: Searcher) -> None:
    assert ids(searcher, DASHED_TITLE, limit=1) == [DASHED]


def test_the_api_and_page_show_it_first(tmp_path_factory: pytest.TempPathFactory) -> None:
    settings, store = fresh_store(tmp_path_factory.mktemp("titles-web"))
    store.upsert_papers(papers())
    update_index(store, settings, similar=False)
    with TestClient(create_app(settings, store)) as client:
        response = client.get("/api/v1/search", params={"q": DASHED_TITLE})
        assert response.status_code == 200, response.text
        assert [p["id"] for p in response.json()["papers"]][0] == DASHED
        page = client.get("/search", params={"q": DASHED_TITLE}, follow_redirects=False)
        assert page.status_code == 200
        cards = BeautifulSoup(page.text, "html.parser").select("main article.card")
        assert [str(card["data-paper"]) for card in cards][:1] == [DASHED]
    store.close()
