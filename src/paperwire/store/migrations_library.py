"""SQLite migrations for readers' libraries and the recommendation models trained from them.

Appended to ``paperwire.store.migrations.SQLITE``; never edit one that has shipped.
"""

from __future__ import annotations

SQLITE: list[tuple[str, list[str]]] = [
    (
        "0010_library",
        [
            # A reader's named lists; names are unique per reader without regard to case.
            """
            CREATE TABLE reader_lists (
                id INTEGER PRIMARY KEY,
                user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                name_key TEXT NOT NULL,
                is_public INTEGER NOT NULL DEFAULT 0,
                created_at TEXT NOT NULL,
                UNIQUE (user_id, name_key)
            )
            """,
            """
            CREATE TABLE list_papers (
                list_id INTEGER NOT NULL REFERENCES reader_lists (id) ON DELETE CASCADE,
                paper_id TEXT NOT NULL,
                added_at TEXT NOT NULL,
                PRIMARY KEY (list_id, paper_id)
            ) WITHOUT ROWID
            """,
            "CREATE INDEX list_papers_added ON list_papers (added_at, paper_id)",
            # Read, "not interested" and a private note: one row per reader and paper.
            """
            CREATE TABLE paper_marks (
                user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                paper_id TEXT NOT NULL,
                is_read INTEGER NOT NULL DEFAULT 0,
                is_hidden INTEGER NOT NULL DEFAULT 0,
                note TEXT,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (user_id, paper_id)
            ) WITHOUT ROWID
            """,
            # Followed authors and free-text topics: what a cold start learns from.
            """
            CREATE TABLE reader_interests (
                user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                kind TEXT NOT NULL,
                value TEXT NOT NULL,
                created_at TEXT NOT NULL,
                PRIMARY KEY (user_id, kind, value)
            ) WITHOUT ROWID
            """,
            # Bumped in the transaction of every change to what a model learns from.
            """
            CREATE TABLE reader_signals (
                user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
                revision INTEGER NOT NULL,
                changed_at TEXT NOT NULL
            )
            """,
            # Upvotes made before this migration are signals too.
            """
            INSERT INTO reader_signals (user_id, revision, changed_at)
            SELECT user_id, 1, max(created_at) FROM upvotes GROUP BY user_id
            """,
            """
            CREATE TABLE reader_models (
                user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                tier TEXT NOT NULL,
                revision INTEGER NOT NULL,
                weights BLOB NOT NULL,
                terms TEXT NOT NULL DEFAULT '{}',
                trained_at TEXT NOT NULL,
                PRIMARY KEY (user_id, tier)
            )
            """,
        ],
    ),
]
