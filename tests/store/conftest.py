"""The store's contract runs on both backends: tests marked ``both_backends`` run once on
a SQLite file and once on a PostgreSQL database (a real server on loopback,
``tests/pg.py``). Tests of what only SQLite has ask for ``sqlite_store``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from paperwire.store import Store, open_store


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'paperwire.db'}")
    opened.migrate()
    yield opened
    opened.close()
