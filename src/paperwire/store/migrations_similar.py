"""SQLite migrations for the similar papers the index job stores for every paper.

Appended to ``paperwire.store.migrations.SQLITE``; never edit one that has shipped.
"""

from __future__ import annotations

SQLITE: list[tuple[str, list[str]]] = [
    (
        "0005_similar_papers",
        [
            # One row per paper whose list was computed, and what it was computed from:
            # the paper's text (``text_hash``, as in ``papers``) and the vector tiers that
            # took part (``basis``: "fast" or "fast+quality"). A paper without a row has
            # no list yet; a row whose ``text_hash`` differs from the paper's is stale.
            """
            CREATE TABLE similar_lists (
                paper_id TEXT PRIMARY KEY,
                text_hash TEXT NOT NULL,
                basis TEXT NOT NULL,
                computed_at TEXT NOT NULL
            )
            """,
            "CREATE INDEX similar_lists_computed ON similar_lists (computed_at)",
            # The list itself, best first; ``other_id`` is indexed so the job finds the
            # lists naming a paper that changed or left.
            """
            CREATE TABLE similar_papers (
                paper_id TEXT NOT NULL,
                position INTEGER NOT NULL,
                other_id TEXT NOT NULL,
                score REAL NOT NULL,
                reason TEXT NOT NULL,
                PRIMARY KEY (paper_id, position)
            ) WITHOUT ROWID
            """,
            "CREATE INDEX similar_papers_other ON similar_papers (other_id)",
        ],
    ),
]
