"""SQLite migrations for GitHub star fetching state and stored trending scores.

Appended to ``paperwire.store.migrations.SQLITE``; never edit one that has shipped.
"""

from __future__ import annotations

SQLITE: list[tuple[str, list[str]]] = [
    (
        "0003_rank",
        [
            # What `paperwire fetch github` knows of each repository: the ETag of its last
            # 200 answer (for conditional requests), the last status, and where it moved.
            """
            CREATE TABLE github_repos (
                repo TEXT PRIMARY KEY,
                etag TEXT,
                stars INTEGER,
                status INTEGER,
                checked_at TEXT,
                moved_to TEXT,
                message TEXT
            )
            """,
            # One row per (window, day the ranking stood on, paper); `position` is the
            # listed order (pinned papers first), so readers page with a range scan.
            """
            CREATE TABLE trending (
                window TEXT NOT NULL,
                at TEXT NOT NULL,
                position INTEGER NOT NULL,
                paper_id TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
                score REAL NOT NULL,
                reason TEXT NOT NULL,
                pinned INTEGER NOT NULL DEFAULT 0,
                components TEXT NOT NULL DEFAULT '{}',
                PRIMARY KEY (window, at, position)
            )
            """,
            "CREATE INDEX trending_paper ON trending (paper_id)",
            # One row per computed (window, at): an empty ranking is still a ranking.
            """
            CREATE TABLE trending_runs (
                window TEXT NOT NULL,
                at TEXT NOT NULL,
                computed_at TEXT NOT NULL,
                papers INTEGER NOT NULL,
                PRIMARY KEY (window, at)
            )
            """,
            "CREATE INDEX star_observations_paper ON star_observations (paper_id, observed_at)",
        ],
    ),
]
