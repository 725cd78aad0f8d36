"""SQLite migrations for accounts, sign-in links, sessions, API tokens, upvotes and submissions.

Appended to ``paperwire.store.migrations.SQLITE``; never edit one that has shipped.
"""

from __future__ import annotations

SQLITE: list[tuple[str, list[str]]] = []
