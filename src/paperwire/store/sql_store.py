"""The store's SQL, shared by the SQLite and PostgreSQL backends.

``SQLStore`` holds every read and write of the store as SQL both databases run (the
common subset of SQLite 3.35+ and PostgreSQL 16: ``?`` placeholders, ``ON CONFLICT``,
``RETURNING``). A backend gives it three things (``SQLParts``): ``_conn``, the
connection of the write transaction ``atomic()`` opens; ``_db()``, a connection for
reads; ``_require_schema()``. The SQLite backend (``sqlite.py``) adds WAL and its
write gate, the PostgreSQL backend (``postgres.py``) a pool and the translation of
placeholders. Lists (authors, categories, sources, feed dates) are JSON text columns of
``papers``; ``paper_categories`` and ``paper_days`` mirror them for indexed filtering.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence, Sized
from datetime import UTC, date, datetime
from typing import Any

from paperwire.merge import absorb_retired, fold_batch, merge_papers, pair_listings
from paperwire.models import Paper, Stats, UpsertCounts
from paperwire.normalize import title_key, utcnow
from paperwire.store.sqlite_accounts import AccountsSupport
from paperwire.store.sqlite_digests import DigestSupport
from paperwire.store.sqlite_discussion import DiscussionSupport
from paperwire.store.sqlite_index import IndexSupport
from paperwire.store.sqlite_library import LibrarySupport
from paperwire.store.sqlite_rank import RankSupport
from paperwire.store.sqlite_rows import INSERT_PAPER, SELECT_PAPERS, paper_from_row, paper_row
from paperwire.store.sqlite_topics import TopicsSupport

_BATCH = 500
#: More papers than this in one upsert are a bulk write (an import's or a fetch's batch),
#: which gives way to single writes (a reader's submission).
_FEW = 10


def _is_bulk(papers: Iterable[Paper]) -> bool:
    return not isinstance(papers, Sized) or len(papers) > _FEW


class SQLStore(
    IndexSupport,
    AccountsSupport,
    RankSupport,
    DigestSupport,
    TopicsSupport,
    LibrarySupport,
    DiscussionSupport,
):
    """The ``Store`` behaviour over SQL; a backend subclasses it (see the module)."""

    # -- papers ------------------------------------------------------------------------

    def upsert_papers(self, papers: Iterable[Paper]) -> UpsertCounts:
        counts = UpsertCounts()
        batch: list[Paper] = []
        with self.atomic(bulk=_is_bulk(papers)):
            for paper in papers:
                batch.append(paper)
                if len(batch) >= _BATCH:
                    counts.add(self._upsert_batch(batch))
                    batch = []
            if batch:
                counts.add(self._upsert_batch(batch))
        return counts

    def _fetch(self, ids: Sequence[str]) -> dict[str, Paper]:
        found: dict[str, Paper] = {}
        for start in range(0, len(ids), _BATCH):
            chunk = ids[start : start + _BATCH]
            marks = ",".join("?" * len(chunk))
            for row in self._conn.execute(f"{SELECT_PAPERS} WHERE id IN ({marks})", chunk):
                found[row[0]] = paper_from_row(row)
        return found

    def _title_matches(self, keys: Sequence[str]) -> dict[str, list[str]]:
        """Stored ids by title key, for pairing listing entries with arXiv records."""
        matches: dict[str, list[str]] = {}
        if not keys:
            return matches
        marks = ",".join("?" * len(keys))
        sql = f"SELECT title_key, id FROM papers WHERE title_key IN ({marks})"
        for key, paper_id in self._conn.execute(sql, list(keys)):
            matches.setdefault(key, []).append(paper_id)
        return matches

    def _upsert_batch(self, batch: list[Paper]) -> UpsertCounts:
        now = utcnow()
        # The caller's reports are not changed: a missing first_seen_at becomes ``now``
        # when the row is written. Which reports are one paper is merge.py's to say.
        incoming = fold_batch(batch)
        stored = self._fetch(list(incoming))
        unknown = [p for p in incoming.values() if p.id not in stored]
        matches = self._title_matches(list({title_key(p.title) for p in unknown}))
        pairing = pair_listings(incoming, unknown, matches)
        retired = pairing.retired
        if retired:
            absorb_retired(incoming, retired, self._fetch([i for i, _ in retired]))
        if pairing.targets:
            stored.update(self._fetch([i for i in pairing.targets if i not in stored]))

        counts = UpsertCounts()
        changed: list[Paper] = []
        for paper_id, paper in incoming.items():
            old_paper = stored.get(paper_id)
            if old_paper is None:
                counts.new += 1
                changed.append(paper)
                continue
            merged = merge_papers(old_paper, paper)
            if merged == old_paper:
                counts.unchanged += 1
            else:
                counts.updated += 1
                changed.append(merged)
        self._write(changed, stored, now)
        # A star count is an observation at the time it was reported; record it only
        # when it differs from the last one, so re-importing a file adds nothing.
        observed_at = datetime.now(UTC).isoformat()
        self._conn.executemany(
            "INSERT OR IGNORE INTO star_observations (paper_id, repo, observed_at, stars) "
            "VALUES (?, ?, ?, ?)",
            [
                (p.id, p.github_repo, observed_at, p.github_stars)
                for p in changed
                if p.github_repo
                and p.github_stars is not None
                and (p.id not in stored or stored[p.id].github_stars != p.github_stars)
            ],
        )
        for listing_id, target in retired:
            self._conn.execute(
                "UPDATE star_observations SET paper_id = ? WHERE paper_id = ?", (target, listing_id)
            )
            self._conn.execute(
                "INSERT INTO tombstones (revision, paper_id, paper_key) "
                "SELECT ?, id, rowid FROM papers WHERE id = ?",
                (self._next_revisions(1), listing_id),
            )
            # paper_vectors has no foreign key (it would slow every upsert): clean by hand.
            self._conn.execute("DELETE FROM paper_vectors WHERE paper_id = ?", (listing_id,))
            self._conn.execute("DELETE FROM papers WHERE id = ?", (listing_id,))
        return counts

    def _write(self, papers: list[Paper], stored: dict[str, Paper], now: datetime) -> None:
        if not papers:
            return
        conn = self._conn
        first = self._next_revisions(len(papers))
        conn.executemany(
            INSERT_PAPER, [(*paper_row(p, now), first + i) for i, p in enumerate(papers)]
        )
        # Both side tables are keyed by (category|day, paper id) for filtering; the stored
        # paper says which rows to remove, so no index on paper_id is needed.
        conn.executemany(
            "DELETE FROM paper_categories WHERE category = ? AND paper_id = ?",
            [(c, p.id) for p in papers if p.id in stored for c in stored[p.id].categories],
        )
        conn.executemany(
            "INSERT OR IGNORE INTO paper_categories (paper_id, category, position) "
            "VALUES (?, ?, ?)",
            [(p.id, c, i) for p in papers for i, c in enumerate(p.categories)],
        )
        conn.executemany(
            "INSERT OR IGNORE INTO paper_days (paper_id, feed, day) VALUES (?, ?, ?)",
            [(p.id, f.feed, f.day.isoformat()) for p in papers for f in p.feed_dates],
        )

    def _next_revisions(self, n: int) -> int:
        """Reserve ``n`` revision numbers; returns the first. Every written paper gets a
        new one, so indexes can catch up with ``changed_papers(after=...)``."""
        row = self._conn.execute(
            "INSERT INTO counters (name, value) VALUES ('revision', ?) "
            "ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value "
            "RETURNING value",
            (n,),
        ).fetchone()
        return int(row[0]) - n + 1

    def get_paper(self, paper_id: str) -> Paper | None:
        self._require_schema()
        row = self._db().execute(f"{SELECT_PAPERS} WHERE id = ?", (paper_id,)).fetchone()
        return paper_from_row(row) if row else None

    def list_papers(
        self,
        *,
        day: date | None = None,
        until: date | None = None,
        category: str | None = None,
        submitter: str | None = None,
        limit: int = 50,
        offset: int = 0,
        order: str = "newest",
    ) -> list[Paper]:
        self._require_schema()
        where: list[str] = []
        params: list[Any] = []
        if day is not None:  # each paper on its first day only (papers_first_day)
            where.append("first_day BETWEEN ? AND ?")
            params += [day.isoformat(), (until or day).isoformat()]
        if category is not None and day is not None:
            # The days' few papers, each looked up by (category, paper id): driven by the
            # category instead, SQLite would read every paper of it (cs.CV: 38k).
            where.append(
                "EXISTS (SELECT 1 FROM paper_categories AS c"
                " WHERE c.category = ? AND c.paper_id = papers.id)"
            )
            params.append(category)
        elif category is not None:
            where.append("id IN (SELECT paper_id FROM paper_categories WHERE category = ?)")
            params.append(category)
        if submitter is not None:
            where.append("submitted_by = ?")
            params.append(submitter)
        sql = SELECT_PAPERS
        if where:
            sql += " WHERE " + " AND ".join(where)
        if order == "upvotes":
            # Papers a curator pinned come first on the daily feed.
            sql += (
                " ORDER BY EXISTS (SELECT 1 FROM submissions s WHERE s.paper_id = papers.id"
                " AND s.pinned = 1 AND s.hidden = 0) DESC,"
                " coalesce(upvotes, 0) + local_upvotes DESC, sort_at DESC, id DESC"
            )
        else:
            sql += " ORDER BY sort_at DESC, id DESC"
        sql += " LIMIT ? OFFSET ?"
        params += [limit, offset]
        return [paper_from_row(r) for r in self._db().execute(sql, params)]

    def feed_days(self, around: date | None = None) -> tuple[date | None, date | None, date | None]:
        """(the day before ``around`` with papers, the latest day, the day after): days on
        which a paper was first announced, so a day that only repeats others is skipped."""
        self._require_schema()
        db = self._db()
        latest = db.execute("SELECT max(first_day) FROM papers").fetchone()[0]
        if around is None:
            return None, date.fromisoformat(latest) if latest else None, None
        day = around.isoformat()
        before = db.execute("SELECT max(first_day) FROM papers WHERE first_day < ?", (day,))
        after = db.execute("SELECT min(first_day) FROM papers WHERE first_day > ?", (day,))
        b, a = before.fetchone()[0], after.fetchone()[0]
        return (
            date.fromisoformat(b) if b else None,
            date.fromisoformat(latest) if latest else None,
            date.fromisoformat(a) if a else None,
        )

    def iter_papers(self, *, batch_size: int = 1000) -> Iterator[Paper]:
        self._require_schema()
        after = ""
        while True:
            rows = (
                self._db()
                .execute(f"{SELECT_PAPERS} WHERE id > ? ORDER BY id LIMIT ?", (after, batch_size))
                .fetchall()
            )
            if not rows:
                return
            yield from (paper_from_row(r) for r in rows)
            after = rows[-1][0]

    def count_papers(self) -> int:
        self._require_schema()
        return int(self._db().execute("SELECT count(*) FROM papers").fetchone()[0])

    def star_history(self, paper_id: str) -> list[tuple[datetime, int]]:
        rows = self._db().execute(
            "SELECT observed_at, stars FROM star_observations WHERE paper_id = ? "
            "ORDER BY observed_at",
            (paper_id,),
        )
        return [(datetime.fromisoformat(at), stars) for at, stars in rows]

    def stats(self) -> Stats:
        self._require_schema()
        conn = self._db()

        def grouped(sql: str) -> dict[str, int]:
            return {str(k): int(n) for k, n in conn.execute(sql)}

        checkpoints = {
            name: json.loads(value)
            for name, value in conn.execute("SELECT name, value FROM checkpoints ORDER BY name")
        }
        return Stats(
            papers=self.count_papers(),
            by_source=self._source_counts(),
            by_category=grouped(
                "SELECT category, count(*) FROM paper_categories "
                "GROUP BY category ORDER BY count(*) DESC, category"
            ),
            by_day=grouped(  # papers by the day a daily feed first announced them
                "SELECT first_day, count(*) FROM papers WHERE feed_dates != '[]' "
                "GROUP BY first_day ORDER BY first_day"
            ),
            checkpoints=checkpoints,
            vectors=grouped("SELECT tier, count(*) FROM paper_vectors GROUP BY tier ORDER BY tier"),
        )

    def _source_counts(self) -> dict[str, int]:
        """Papers by source, most first (the JSON lists are read here, not in SQL, which
        the two backends spell differently)."""
        counts: Counter[str] = Counter()
        for (sources,) in self._db().execute("SELECT sources FROM papers"):
            counts.update(json.loads(sources))
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    # -- checkpoints -------------------------------------------------------------------

    def get_checkpoint(self, name: str) -> dict[str, Any] | None:
        self._require_schema()
        row = self._db().execute("SELECT value FROM checkpoints WHERE name = ?", (name,)).fetchone()
        return json.loads(row[0]) if row else None

    def set_checkpoint(self, name: str, value: dict[str, Any]) -> None:
        with self.atomic():
            self._conn.execute(
                "INSERT INTO checkpoints (name, value, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value, "
                "updated_at = excluded.updated_at",
                (name, json.dumps(value, sort_keys=True), utcnow().isoformat()),
            )
