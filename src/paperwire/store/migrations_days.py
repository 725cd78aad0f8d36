"""SQLite migrations for the day each paper is listed on.

Appended to ``paperwire.store.migrations.SQLITE``; never edit one that has shipped.
"""

from __future__ import annotations

SQLITE: list[tuple[str, list[str]]] = [
    (
        "0007_first_day",
        [
            # The day the paper was first announced (``Paper.first_day``): its earliest
            # feed day, else the UTC day it was published, else first seen. A daily feed
            # that repeats a listing (arXiv's crawl records Friday's again on Saturday and
            # Sunday) does not move it, so a day, week or month lists each paper once, on
            # this day, with one indexed range read.
            "ALTER TABLE papers ADD COLUMN first_day TEXT",
            # ``feed_dates`` holds [day, feed] pairs; date() turns a time with an offset
            # into its UTC day, as ``Paper.first_day`` does.
            """
            UPDATE papers SET first_day = coalesce(
                (SELECT min(json_extract(f.value, '$[0]')) FROM json_each(papers.feed_dates) AS f),
                date(published_at),
                date(first_seen_at)
            )
            """,
            "CREATE INDEX papers_first_day ON papers (first_day)",
        ],
    ),
]
