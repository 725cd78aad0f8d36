"""One store per test module: the bundled sample plus the recorded Hugging Face daily
papers of 2026-06-12, imported and indexed (indexing takes seconds), served by the app."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from paperwire.config import Settings
from paperwire.index.jobs import update_index
from paperwire.index.neighbours import store_similar
from paperwire.ingest import import_files, sample_path
from paperwire.models import Author, Paper
from paperwire.rank.jobs import run_rank
from paperwire.store import Store, open_store
from paperwire.web.app import create_app
from tests.conftest import SHARED_DATA
from tests.fresh import isolated

BASE_URL = "http://paperwire.test"
HF_DAY = "2026-06-12"
#: Papers whose similar papers the fixture stores.
SIMILAR_STORED = ["2606.13392", "2606.13681"]

#: A paper with an old-style arXiv id (a slash inside), which the sample does not have.
OLD_STYLE = Paper(
    id="hep-th/9901001",
    version=2,
    title="A paper with an old-style identifier",
    abstract="Old-style arXiv identifiers name the archive, then a slash, then a number.",
    authors=[Author("A. Physicist")],
    categories=["hep-th"],
    published_at=datetime(1999, 1, 4, tzinfo=UTC),
    abs_url="https://arxiv.org/abs/hep-th/9901001",
    sources=["test"],
)


def hf_recording() -> Path:
    """The recorded ``/api/daily_papers`` answer (30 papers); the same folder as the
    ``shared_data`` fixture, which is function-scoped and so cannot feed a module fixture."""
    path = SHARED_DATA / "hf_daily_papers" / f"{HF_DAY}_daily_papers_30.json"
    if not path.is_file():
        pytest.fail(f"the shared data file is missing: {path}")
    return path


@dataclass
class Served:
    store: Store
    settings: Settings
    app: FastAPI
    client: TestClient


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("api")
    with isolated(folder):  # no PAPERWIRE_* variable nor paperwire.toml from outside
        settings = Settings(database_url=f"sqlite:///{folder / 'paperwire.db'}", base_url=BASE_URL)
    store = open_store(settings.database_url)
    store.migrate()
    assert import_files(store, [sample_path()]).ok
    assert import_files(store, [hf_recording()]).ok
    store.upsert_papers([OLD_STYLE])
    # Similar papers of every paper would take minutes: stored for the papers tests ask.
    update_index(store, settings, similar=False)
    store_similar(store, settings, SIMILAR_STORED)
    run_rank(store, settings)
    run_rank(store, settings, at=date.fromisoformat(HF_DAY))  # the day tests ask for
    app = create_app(settings, store)
    with TestClient(app) as client:
        yield Served(store, settings, app, client)
    store.close()


@pytest.fixture
def client(served: Served) -> TestClient:
    return served.client
