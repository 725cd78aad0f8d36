"""A database of the bundled sample (3,294 real papers), indexed once per session and
copied for each test that changes it."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from paperwire.config import Settings
from paperwire.index.jobs import update_index
from paperwire.ingest import import_files, sample_path
from paperwire.rank.jobs import run_rank
from paperwire.store import Store, open_store
from tests.mail.smtp_server import smtp_server, smtputf8_server

__all__ = ["smtp_server", "smtputf8_server"]


@pytest.fixture(scope="session")
def sample_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("digest-sample")
    settings = Settings(database_url=f"sqlite:///{folder / 'paperwire.db'}")
    store = open_store(settings.database_url)
    store.migrate()
    assert import_files(store, [sample_path()]).ok
    update_index(store, settings, similar=False)  # digests read no similar papers
    run_rank(store, settings)
    store.close()
    return folder


@dataclass
class Site:
    folder: Path
    store: Store
    make_settings: Callable[..., Settings]

    @property
    def settings(self) -> Settings:
        return self.make_settings()


@pytest.fixture
def site(sample_folder: Path, tmp_path: Path) -> Iterator[Site]:
    """A copy of the indexed sample; settings point at it (mail: files in tmp_path)."""
    folder = tmp_path / "site"
    shutil.copytree(sample_folder, folder)
    db_url = f"sqlite:///{folder / 'paperwire.db'}"
    store = open_store(db_url)

    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "database_url": db_url,
            "smtp_url": f"file://{tmp_path / 'outbox'}",
            "secret_key": "test-secret-key-for-digests",
            "base_url": "http://paperwire.test",
            "digest_send_rate": 0,
            "smtp_timeout": 5,
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    yield Site(folder, store, make)
    store.close()
