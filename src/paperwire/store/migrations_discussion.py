"""SQLite migrations for the discussion under each paper: comments, their votes and
reports, the curators' log, locked threads, followed threads and authors' claims.

Appended to ``paperwire.store.migrations.SQLITE``; never edit one that has shipped.
"""

from __future__ import annotations

SQLITE: list[tuple[str, list[str]]] = [
    (
        "0012_discussion",
        [
            # A comment's Markdown as written and its HTML as rendered once on write.
            # state: visible, held (a new account's first comment, until a curator
            # approves it), hidden (by a curator), deleted (by its author or a curator).
            # upvotes: the rows of comment_votes, kept by increments in the same
            # transaction as the row that changes it.
            """
            CREATE TABLE comments (
                id INTEGER PRIMARY KEY,
                paper_id TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
                parent_id INTEGER REFERENCES comments (id) ON DELETE CASCADE,
                user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                depth INTEGER NOT NULL DEFAULT 0,
                body_md TEXT NOT NULL,
                body_html TEXT NOT NULL,
                state TEXT NOT NULL DEFAULT 'visible',
                upvotes INTEGER NOT NULL DEFAULT 0,
                created_at TEXT NOT NULL,
                edited_at TEXT
            )
            """,
            "CREATE INDEX comments_paper ON comments (paper_id, state)",
            "CREATE INDEX comments_user ON comments (user_id, created_at)",
            "CREATE INDEX comments_state ON comments (state, created_at)",
            "CREATE INDEX comments_parent ON comments (parent_id)",
            # One vote per reader and comment: the primary key makes a second one a no-op.
            """
            CREATE TABLE comment_votes (
                comment_id INTEGER NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
                user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                created_at TEXT NOT NULL,
                PRIMARY KEY (comment_id, user_id)
            ) WITHOUT ROWID
            """,
            "CREATE INDEX comment_votes_user ON comment_votes (user_id)",
            # One open report per reader and comment; a curator's decision closes them all.
            """
            CREATE TABLE comment_reports (
                id INTEGER PRIMARY KEY,
                comment_id INTEGER NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
                user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                reason TEXT NOT NULL,
                created_at TEXT NOT NULL,
                resolved_at TEXT,
                resolved_by INTEGER,
                UNIQUE (comment_id, user_id)
            )
            """,
            "CREATE INDEX comment_reports_open ON comment_reports (resolved_at, created_at)",
            # Everything a curator does, kept when the comment or the account goes.
            """
            CREATE TABLE moderation_log (
                id INTEGER PRIMARY KEY,
                curator_id INTEGER NOT NULL,
                curator TEXT NOT NULL,
                action TEXT NOT NULL,
                paper_id TEXT NOT NULL,
                comment_id INTEGER,
                subject_id INTEGER,
                created_at TEXT NOT NULL
            )
            """,
            "CREATE INDEX moderation_log_at ON moderation_log (created_at)",
            """
            CREATE TABLE thread_locks (
                paper_id TEXT PRIMARY KEY REFERENCES papers (id) ON DELETE CASCADE,
                locked_by INTEGER NOT NULL,
                locked_at TEXT NOT NULL
            )
            """,
            # A reader following a paper's discussion; last_comment_id: the newest comment
            # already mailed to them (or there when they started following).
            """
            CREATE TABLE thread_follows (
                user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                paper_id TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
                last_comment_id INTEGER NOT NULL DEFAULT 0,
                created_at TEXT NOT NULL,
                PRIMARY KEY (user_id, paper_id)
            ) WITHOUT ROWID
            """,
            "CREATE INDEX thread_follows_paper ON thread_follows (paper_id)",
            # A reader who says they wrote the paper; confirmed_by: the curator who agreed.
            """
            CREATE TABLE author_claims (
                user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                paper_id TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
                created_at TEXT NOT NULL,
                confirmed_by INTEGER,
                confirmed_at TEXT,
                PRIMARY KEY (user_id, paper_id)
            ) WITHOUT ROWID
            """,
            "CREATE INDEX author_claims_paper ON author_claims (paper_id)",
        ],
    ),
]
