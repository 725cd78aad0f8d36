"""SQLite migrations for GitHub star fetching state and stored trending scores.

Appended to ``paperwire.store.migrations.SQLITE``; never edit one that has shipped.
"""

from __future__ import annotations

SQLITE: list[tuple[str, list[str]]] = []
