"""Shared fixtures: real SQLite files in tmp dirs, real HTTP servers on loopback."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from paperwire.config import Settings
from paperwire.store import Store, open_store
from tests.http_server import Handler, LoopbackServer
from tests.pg import PostgresServer, running_server

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No PAPERWIRE_* variable from the outside leaks into a test; run in tmp_path."""
    for key in list(os.environ):
        if key.startswith("PAPERWIRE_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"the shared data folder is missing: {SHARED_DATA}")
    return SHARED_DATA


BACKENDS = ["sqlite", "postgresql"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked ``both_backends`` run once per backend."""
    definition = metafunc.definition
    if (
        definition.get_closest_marker("both_backends")
        and not definition.get_closest_marker("sqlite_only")
        and "backend" in metafunc.fixturenames
    ):
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The backend of the test's database: SQLite unless the test runs on both."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "postgresql":
        url: str = request.getfixturevalue("pg_url")
        return url
    return f"sqlite:///{tmp_path / 'paperwire.db'}"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL server (with pgvector) on loopback for the whole run (its data
    directory in the system's temp folder, which the server's own user can reach)."""
    with running_server() as server:
        yield server


@pytest.fixture
def pg_url(pg_server: PostgresServer) -> str:
    """The URL of a new, empty PostgreSQL database of its own for one test."""
    return pg_server.database()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = open_store(db_url)
    opened.migrate()
    yield opened
    opened.close()


@pytest.fixture
def serve() -> Iterator[Callable[[Handler], LoopbackServer]]:
    """Start a real HTTP server on 127.0.0.1 answering with ``handler``."""
    servers: list[LoopbackServer] = []

    def start(handler: Handler) -> LoopbackServer:
        server = LoopbackServer(handler)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def fast_settings(db_url: str) -> Callable[..., Settings]:
    """Settings for network tests: no politeness delay, short retry waits."""

    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "database_url": db_url,
            "request_delay": 0.0,
            "max_retry_wait": 0.05,
            "request_timeout": 2.0,
            "max_retries": 3,
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    return make
