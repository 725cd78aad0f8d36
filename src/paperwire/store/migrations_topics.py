"""SQLite migrations for the topics of each day, which the index job stores.

Appended to ``paperwire.store.migrations.SQLITE``; never edit one that has shipped.
"""

from __future__ import annotations

SQLITE: list[tuple[str, list[str]]] = [
    (
        "0009_day_topics",
        [
            # One row per day that was grouped, with the fingerprint of the day's papers
            # (ids and text hashes) it was grouped from; a day too small to group has a
            # row and no topics.
            """
            CREATE TABLE topic_days (
                day TEXT PRIMARY KEY,
                fingerprint TEXT NOT NULL,
                computed_at TEXT NOT NULL
            )
            """,
            # The day's topics in the order pages show them (largest first); ``terms``
            # is a JSON list of the label's terms.
            """
            CREATE TABLE day_topics (
                day TEXT NOT NULL,
                position INTEGER NOT NULL,
                label TEXT NOT NULL,
                terms TEXT NOT NULL DEFAULT '[]',
                PRIMARY KEY (day, position)
            ) WITHOUT ROWID
            """,
            # Each grouped paper's topic on that day.
            """
            CREATE TABLE day_topic_papers (
                day TEXT NOT NULL,
                paper_id TEXT NOT NULL,
                position INTEGER NOT NULL,
                PRIMARY KEY (day, paper_id)
            ) WITHOUT ROWID
            """,
        ],
    ),
]
