"""Migrations for several workers sharing one database: claims on scheduled jobs.

Appended to ``paperwire.store.migrations.SQLITE``; never edit one that has shipped.
"""

from __future__ import annotations

SQLITE: list[tuple[str, list[str]]] = [
    (
        "0011_job_leases",
        [
            # The worker running a job, until when (renewed while it runs); a row whose
            # time has passed is a free job (its worker died or stopped).
            """
            CREATE TABLE job_leases (
                name TEXT PRIMARY KEY,
                holder TEXT NOT NULL,
                claimed_at TEXT NOT NULL,
                expires_at TEXT NOT NULL
            )
            """,
        ],
    ),
]
