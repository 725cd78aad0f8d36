"""The store's contract runs on both backends: every test here that asks for ``store``
runs once on a SQLite file and once on a PostgreSQL database (a real server on
loopback, ``tests/pg.py``). Tests of what only SQLite has ask for ``sqlite_store``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from paperwire.store import Store, open_store

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def backend_url(request: pytest.FixtureRequest, db_url: str) -> str:
    if request.param == "sqlite":
        return db_url
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def store(backend_url: str) -> Iterator[Store]:
    opened = open_store(backend_url)
    opened.migrate()
    yield opened
    opened.close()


@pytest.fixture
def sqlite_store(db_url: str) -> Iterator[Store]:
    opened = open_store(db_url)
    opened.migrate()
    yield opened
    opened.close()
