"""SQLite migrations for finding a paper by what a reader pastes into search.

Appended to ``paperwire.store.migrations.SQLITE``; never edit one that has shipped.
"""

from __future__ import annotations

SQLITE: list[tuple[str, list[str]]] = [
    (
        "0008_papers_doi",
        [
            # A search for a DOI finds the papers whose ``doi`` it is (``Store.ids_with_doi``);
            # DOIs compare without regard to case. Most papers have none: only those are kept.
            "CREATE INDEX papers_doi ON papers (doi COLLATE NOCASE) WHERE doi IS NOT NULL",
        ],
    ),
]
