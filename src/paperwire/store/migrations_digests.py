"""SQLite migrations for subscriptions, the digest outbox and what each subscriber was sent.

Appended to ``paperwire.store.migrations.SQLITE``; never edit one that has shipped.
"""

from __future__ import annotations

SQLITE: list[tuple[str, list[str]]] = [
    (
        "0004_digests",
        [
            # status: pending (not confirmed yet), confirmed, unsubscribed, suspended
            """
            CREATE TABLE subscribers (
                id INTEGER PRIMARY KEY,
                email TEXT UNIQUE NOT NULL,
                status TEXT NOT NULL,
                frequency TEXT NOT NULL,
                categories TEXT NOT NULL DEFAULT '[]',
                topics TEXT NOT NULL DEFAULT '[]',
                timezone TEXT NOT NULL DEFAULT 'UTC',
                created_at TEXT NOT NULL,
                confirmed_at TEXT,
                confirm_sent_at TEXT,
                failures INTEGER NOT NULL DEFAULT 0
            )
            """,
            "CREATE INDEX subscribers_status ON subscribers (status, frequency)",
            # One row per (subscriber, period), written before anything is sent. ``content``
            # is the composition (JSON: the groups, their paper ids and reasons); the
            # message is rendered from it at send time, the same bytes every time (its
            # Message-ID, Date and tokens come from the row).
            # status: queued, sending (claimed by ``claimed_by``), sent, failed
            """
            CREATE TABLE digest_outbox (
                id INTEGER PRIMARY KEY,
                subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
                period TEXT NOT NULL,
                recipient TEXT NOT NULL,
                message_id TEXT NOT NULL,
                content TEXT NOT NULL,
                papers INTEGER NOT NULL,
                status TEXT NOT NULL DEFAULT 'queued',
                attempts INTEGER NOT NULL DEFAULT 0,
                claimed_by TEXT,
                claimed_at TEXT,
                next_attempt_at TEXT NOT NULL,
                created_at TEXT NOT NULL,
                sent_at TEXT,
                last_error TEXT,
                UNIQUE (subscriber_id, period)
            )
            """,
            "CREATE INDEX digest_outbox_due ON digest_outbox (status, next_attempt_at)",
            """
            CREATE TABLE digest_sent_papers (
                subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
                paper_id TEXT NOT NULL,
                period TEXT NOT NULL,
                PRIMARY KEY (subscriber_id, paper_id)
            ) WITHOUT ROWID
            """,
        ],
    ),
    (
        "0006_job_runs",
        [
            # When each scheduled job (``paperwire.worker``) last ran, so a worker started
            # again runs at once, and once, every job a scheduled time of which it missed.
            """
            CREATE TABLE job_runs (
                name TEXT PRIMARY KEY,
                last_run_at TEXT NOT NULL
            ) WITHOUT ROWID
            """,
        ],
    ),
]
