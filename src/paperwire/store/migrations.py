"""Numbered schema migrations, per backend.

Each migration is a name and a list of statements; a backend applies the pending ones
in order, each in its own transaction, and records it in ``schema_migrations``.
Append new migrations; never edit one that has shipped.
"""

from __future__ import annotations

from paperwire.store import (
    migrations_accounts,
    migrations_days,
    migrations_digests,
    migrations_discussion,
    migrations_jobs,
    migrations_library,
    migrations_lookup,
    migrations_rank,
    migrations_similar,
    migrations_topics,
)

SQLITE: list[tuple[str, list[str]]] = [
    (
        "0001_papers",
        [
            """
            CREATE TABLE papers (
                id TEXT PRIMARY KEY,
                version INTEGER,
                title TEXT NOT NULL,
                abstract TEXT NOT NULL DEFAULT '',
                authors TEXT NOT NULL DEFAULT '[]',
                categories TEXT NOT NULL DEFAULT '[]',
                primary_category TEXT,
                published_at TEXT,
                updated_at TEXT,
                comment TEXT,
                journal_ref TEXT,
                doi TEXT,
                license TEXT,
                abs_url TEXT,
                pdf_url TEXT,
                github_repo TEXT,
                github_stars INTEGER,
                project_page TEXT,
                upvotes INTEGER,
                submitted_by TEXT,
                submitted_at TEXT,
                sources TEXT NOT NULL DEFAULT '[]',
                feed_dates TEXT NOT NULL DEFAULT '[]',
                first_seen_at TEXT NOT NULL,
                title_key TEXT NOT NULL,
                sort_at TEXT NOT NULL,
                text_hash TEXT NOT NULL,
                revision INTEGER NOT NULL
            )
            """,
            "CREATE INDEX papers_revision ON papers (revision)",
            "CREATE INDEX papers_title_key ON papers (title_key)",
            "CREATE INDEX papers_sort_at ON papers (sort_at)",
            """
            CREATE TABLE paper_categories (
                paper_id TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
                category TEXT NOT NULL,
                position INTEGER NOT NULL,
                PRIMARY KEY (category, paper_id)
            ) WITHOUT ROWID
            """,
            """
            CREATE TABLE paper_days (
                paper_id TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
                feed TEXT NOT NULL,
                day TEXT NOT NULL,
                PRIMARY KEY (day, feed, paper_id)
            ) WITHOUT ROWID
            """,
            """
            CREATE TABLE star_observations (
                paper_id TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
                repo TEXT NOT NULL,
                observed_at TEXT NOT NULL,
                stars INTEGER NOT NULL,
                PRIMARY KEY (repo, observed_at)
            )
            """,
            """
            CREATE TABLE counters (
                name TEXT PRIMARY KEY,
                value INTEGER NOT NULL
            )
            """,
            """
            CREATE TABLE paper_vectors (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                tier TEXT NOT NULL,
                paper_id TEXT NOT NULL,
                paper_key INTEGER NOT NULL,
                text_hash TEXT NOT NULL,
                vector BLOB NOT NULL,
                UNIQUE (tier, paper_id)
            )
            """,
            "CREATE INDEX paper_vectors_paper ON paper_vectors (paper_id)",
            """
            CREATE TABLE tombstones (
                revision INTEGER PRIMARY KEY,
                paper_id TEXT NOT NULL,
                paper_key INTEGER NOT NULL
            )
            """,
            """
            CREATE TABLE checkpoints (
                name TEXT PRIMARY KEY,
                value TEXT NOT NULL,
                updated_at TEXT NOT NULL
            )
            """,
        ],
    ),
]
# Each area keeps its migrations in its own module; their names are numbered globally,
# and they are applied in the order of their numbers.
SQLITE += migrations_accounts.SQLITE + migrations_rank.SQLITE + migrations_digests.SQLITE
SQLITE += migrations_similar.SQLITE
SQLITE += migrations_days.SQLITE
SQLITE += migrations_lookup.SQLITE
SQLITE += migrations_topics.SQLITE
SQLITE += migrations_library.SQLITE
SQLITE += migrations_jobs.SQLITE
SQLITE += migrations_discussion.SQLITE
SQLITE.sort(key=lambda migration: migration[0])
