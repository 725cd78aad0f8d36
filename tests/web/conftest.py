"""The bundled sample plus a few hand-made papers, imported and indexed once per session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from paperwire.config import Settings
from paperwire.index.jobs import update_index
from paperwire.index.neighbours import store_similar
from paperwire.ingest import import_files, sample_path
from paperwire.models import Author, FeedDate, Paper
from paperwire.rank.jobs import run_rank
from paperwire.store import Store
from paperwire.web.app import create_app
from tests.fresh import fresh_store

LATEST = date(2026, 7, 1)
HOSTILE_ID = "2607.99001"
MATH_ID = "2607.99002"
OLD_ID = "hep-th/9901001"
#: Papers whose similar papers the fixture stores; every other paper's are "not ready".
SIMILAR_STORED = ["2512.10359", HOSTILE_ID, MATH_ID, OLD_ID]
HOSTILE_ABSTRACT = "We show that <script>alert(1)</script> stays text & <b>markup</b> too."
MATH_TITLE = r"Sorting in $\mathcal{O}(n \log n)$ Comparisons"
MATH_ABSTRACT = (
    r"We prove that $E = mc^2$ implies $\sum_{i=1}^{n} x_i^2 \geq \alpha$ for every "
    r"$\alpha > 0$, and that \(\beta\) is bounded: $$\int_0^1 f(x)\,dx \le 1.$$"
)


def extra_papers() -> list[Paper]:
    """Papers the tests look for: hostile text, math, code and stars, an old-style id."""
    when = datetime(2026, 6, 30, 17, 0, tzinfo=UTC)
    listed = [FeedDate(LATEST, "arxiv")]
    return [
        Paper(
            id=HOSTILE_ID,
            version=1,
            title="Escaping <script>alert('title')</script> in Titles",
            abstract=HOSTILE_ABSTRACT,
            authors=[Author("Mallory <img src=x onerror=alert(2)>"), Author("Eve Example")],
            categories=["cs.CR", "cs.CL"],
            published_at=when,
            updated_at=when,
            upvotes=3,
            feed_dates=listed,
            sources=["test"],
        ),
        Paper(
            id=MATH_ID,
            version=2,
            title=MATH_TITLE,
            abstract=MATH_ABSTRACT,
            authors=[Author("Ada Lovelace"), Author("Alan Mathison Turing")],
            categories=["cs.LG", "cs.DS"],
            published_at=when,
            updated_at=datetime(2026, 7, 1, 9, 0, tzinfo=UTC),
            comment="12 pages, 3 figures",
            github_repo="https://github.com/example/fast-sort",
            github_stars=1234,
            project_page="https://example.org/fast-sort",
            upvotes=42,
            feed_dates=listed,
            sources=["test"],
        ),
        Paper(
            id=OLD_ID,
            version=3,
            title="An Old-Style Identifier on String Dualities",
            abstract="Old arXiv identifiers keep their archive name and a slash.",
            authors=[Author("Edward Witten")],
            categories=["hep-th"],
            published_at=datetime(1999, 1, 4, tzinfo=UTC),
            sources=["test"],
        ),
    ]


@dataclass(frozen=True, slots=True)
class Site:
    store: Store
    settings: Settings
    app: FastAPI
    client: TestClient


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("web")
    settings, store = fresh_store(folder)
    assert import_files(store, [sample_path()]).ok
    store.upsert_papers(extra_papers())
    # Similar papers of every paper would take minutes: stored for the papers tests open
    # (the others show "not ready"); tests/index/test_neighbours.py covers the full job.
    update_index(store, settings, similar=False)
    store_similar(store, settings, SIMILAR_STORED)
    run_rank(store, settings)
    app = create_app(settings, store)
    yield Site(store, settings, app, TestClient(app))
    store.close()


@pytest.fixture(scope="session")
def unindexed(site: Site, tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """The same papers served without a search index."""
    empty = tmp_path_factory.mktemp("no-index")
    settings = Settings(database_url=site.settings.database_url, index_dir=str(empty))
    return TestClient(create_app(settings, site.store))


@pytest.fixture(scope="session")
def client(site: Site) -> TestClient:
    return site.client
