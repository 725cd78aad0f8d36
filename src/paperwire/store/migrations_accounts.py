"""SQLite migrations for accounts, sign-in links, sessions, API tokens, upvotes and submissions.

Appended to ``paperwire.store.migrations.SQLITE``; never edit one that has shipped.
"""

from __future__ import annotations

SQLITE: list[tuple[str, list[str]]] = [
    (
        "0002_accounts",
        [
            """
            CREATE TABLE users (
                id INTEGER PRIMARY KEY,
                email TEXT UNIQUE NOT NULL,
                role TEXT NOT NULL,
                created_at TEXT
            )
            """,
            # Sign-in links, sessions and API tokens are kept by the SHA-256 of their secret.
            """
            CREATE TABLE login_links (
                token_hash TEXT PRIMARY KEY,
                email TEXT NOT NULL,
                created_at TEXT NOT NULL,
                expires_at TEXT NOT NULL,
                used_at TEXT
            )
            """,
            """
            CREATE TABLE sessions (
                token_hash TEXT PRIMARY KEY,
                user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                created_at TEXT NOT NULL,
                expires_at TEXT NOT NULL
            )
            """,
            "CREATE INDEX sessions_user ON sessions (user_id)",
            """
            CREATE TABLE api_tokens (
                id INTEGER PRIMARY KEY,
                token_hash TEXT UNIQUE NOT NULL,
                user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                created_at TEXT NOT NULL,
                revoked_at TEXT
            )
            """,
            "CREATE INDEX api_tokens_user ON api_tokens (user_id)",
            """
            CREATE TABLE upvotes (
                user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                paper_id TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
                created_at TEXT,
                PRIMARY KEY (user_id, paper_id)
            )
            """,
            "CREATE INDEX upvotes_paper ON upvotes (paper_id, created_at)",
            """
            CREATE TABLE submissions (
                paper_id TEXT PRIMARY KEY REFERENCES papers (id) ON DELETE CASCADE,
                user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
                day TEXT,
                submitted_at TEXT,
                by_curator INTEGER NOT NULL,
                pinned INTEGER NOT NULL DEFAULT 0,
                hidden INTEGER NOT NULL DEFAULT 0
            )
            """,
            "CREATE INDEX submissions_user ON submissions (user_id, submitted_at)",
            "CREATE INDEX submissions_day ON submissions (day)",
            # Rate limits: one row per counted event, so several processes agree.
            """
            CREATE TABLE rate_events (
                bucket TEXT NOT NULL,
                at REAL NOT NULL
            )
            """,
            "CREATE INDEX rate_events_bucket ON rate_events (bucket, at)",
            # The count of `upvotes` rows per paper, kept in the same transaction as the rows
            # (listings order by imported + local without a join).
            "ALTER TABLE papers ADD COLUMN local_upvotes INTEGER NOT NULL DEFAULT 0",
        ],
    ),
]
