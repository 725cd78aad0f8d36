"""A store holding the bundled sample, indexed once per module (indexing takes seconds)."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from paperwire.config import Settings
from paperwire.index.jobs import update_index
from paperwire.ingest import import_files, sample_path
from paperwire.store import Store, open_store


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sample")
    store = open_store(f"sqlite:///{folder / 'paperwire.db'}")
    store.migrate()
    assert import_files(store, [sample_path()]).ok
    store.close()
    return folder


@pytest.fixture
def indexed(sample_db: Path, tmp_path: Path) -> Iterator[tuple[Store, Settings]]:
    """A private copy of the indexed sample for one test."""
    import shutil

    target = tmp_path / "copy"
    if not (sample_db / "paperwire.index").exists():
        store = open_store(f"sqlite:///{sample_db / 'paperwire.db'}")
        settings = Settings(database_url=f"sqlite:///{sample_db / 'paperwire.db'}")
        update_index(store, settings, similar=False)  # see test_neighbours.py
        store.close()
    shutil.copytree(sample_db, target)
    settings = Settings(database_url=f"sqlite:///{target / 'paperwire.db'}")
    store = open_store(settings.database_url)
    yield store, settings
    store.close()
