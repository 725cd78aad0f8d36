"""SQLite migrations for subscriptions, the digest outbox and what each subscriber was sent.

Appended to ``paperwire.store.migrations.SQLITE``; never edit one that has shipped.
"""

from __future__ import annotations

SQLITE: list[tuple[str, list[str]]] = []
