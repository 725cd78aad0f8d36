"""A fresh database in a folder, for module- and session-wide fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from paperwire.config import Settings
from paperwire.store import Store, open_store


def fresh_store(folder: Path) -> tuple[Settings, Store]:
    """Settings of a database in ``folder``, read with no ``PAPERWIRE_`` variable of the
    outside world and ``folder`` as the working directory, and its store, migrated."""
    with pytest.MonkeyPatch.context() as env:  # nothing from the outside leaks in
        for key in [k for k in os.environ if k.startswith("PAPERWIRE_")]:
            env.delenv(key)
        env.chdir(folder)
        settings = Settings(database_url=f"sqlite:///{folder / 'paperwire.db'}")
    store = open_store(settings.database_url)
    store.migrate()
    return settings, store
