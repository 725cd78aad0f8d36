"""The one storage seam: what the rest of paperwire needs from a database.

Callers (ingest, the CLI, later the web app and jobs) depend on this protocol only;
``open_store(url)`` picks the backend. Backends return models, never cursors, and
keep their SQL to themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from datetime import date
from typing import Any, Protocol

from paperwire.models import Paper, Stats, UpsertCounts


class Store(Protocol):
    url: str

    def migrate(self) -> list[str]:
        """Apply pending migrations, each in its own transaction; return their names."""
        ...

    def pending_migrations(self) -> list[str]: ...

    def atomic(self) -> AbstractContextManager[None]:
        """A write transaction: everything inside commits together or not at all.

        Nested uses join the outer transaction.
        """
        ...

    def upsert_papers(self, papers: Iterable[Paper]) -> UpsertCounts:
        """Insert new papers and merge reports of known ones (see ``paperwire.merge``)."""
        ...

    def get_paper(self, paper_id: str) -> Paper | None: ...

    def list_papers(
        self, *, day: date | None = None, category: str | None = None, limit: int = 50
    ) -> list[Paper]:
        """Newest first. ``day``: papers that entered a daily feed that day (or, never
        having entered one, were published that day)."""
        ...

    def iter_papers(self, *, batch_size: int = 1000) -> Iterator[Paper]: ...

    def count_papers(self) -> int: ...

    def stats(self) -> Stats: ...

    def get_checkpoint(self, name: str) -> dict[str, Any] | None: ...

    def set_checkpoint(self, name: str, value: dict[str, Any]) -> None: ...

    def close(self) -> None: ...
