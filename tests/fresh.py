"""A fresh database in a folder, for module- and session-wide fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from paperwire.config import Settings
from paperwire.store import Store, open_store


@contextmanager
def isolated(folder: Path) -> Iterator[None]:
    """No ``PAPERWIRE_`` variable of the outside world and ``folder`` as the working
    directory while the block runs (settings read there see nothing from outside): what
    the autouse ``clean_environ`` does for a test, for module- and session-wide fixtures."""
    with pytest.MonkeyPatch.context() as env:
        for key in [k for k in os.environ if k.startswith("PAPERWIRE_")]:
            env.delenv(key)
        env.chdir(folder)
        yield


def fresh_store(folder: Path) -> tuple[Settings, Store]:
    """Settings of a database in ``folder``, read with no ``PAPERWIRE_`` variable of the
    outside world and ``folder`` as the working directory, and its store, migrated."""
    with isolated(folder):  # nothing from the outside leaks in
        settings = Settings(database_url=f"sqlite:///{folder / 'paperwire.db'}")
    store = open_store(settings.database_url)
    store.migrate()
    return settings, store
