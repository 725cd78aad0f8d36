"""What the search indexes need from the SQLite store: changes since a revision,
stored vectors, filtering of candidate ids, and the stored similar papers."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any

from paperwire.models import Filters, Paper, Scored
from paperwire.normalize import title_key, utcnow
from paperwire.store.base import SimilarList, VectorRow
from paperwire.store.sqlite_base import NO_LIMIT, SQLiteParts
from paperwire.store.sqlite_rows import SELECT_PAPERS, SELECT_PAPERS_P, paper_from_row

_CHUNK = 500


def filter_clauses(filters: Filters) -> tuple[list[str], list[Any]]:
    """SQL conditions on ``papers`` for the filters (shared by listing and search)."""
    where: list[str] = []
    params: list[Any] = []
    if filters.category:
        where.append("id IN (SELECT paper_id FROM paper_categories WHERE category = ?)")
        params.append(filters.category)
    if filters.since:
        where.append("sort_at >= ?")
        params.append(datetime.combine(filters.since, time(), UTC).isoformat())
    if filters.until:
        where.append("sort_at < ?")
        params.append(datetime.combine(filters.until + timedelta(days=1), time(), UTC).isoformat())
    if filters.has_code is not None:
        where.append("github_repo IS NOT NULL" if filters.has_code else "github_repo IS NULL")
    if filters.author:
        where.append("authors LIKE ? ESCAPE '\\'")
        escaped = filters.author.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.append(f"%{escaped}%")
    return where, params


class IndexSupport(SQLiteParts):
    def max_revision(self) -> int:
        self._require_schema()
        row = self._db().execute("SELECT value FROM counters WHERE name = 'revision'").fetchone()
        return int(row[0]) if row else 0

    def cache_version(self) -> int:
        self._require_schema()
        row = (
            self._db()
            .execute("SELECT sum(value) FROM counters WHERE name IN ('revision', 'results')")
            .fetchone()
        )
        return int(row[0] or 0)

    def changed_papers(self, *, after: int, limit: int) -> list[tuple[int, Paper]]:
        """Papers written after revision ``after``, oldest change first."""
        self._require_schema()
        rows = (
            self._db()
            .execute(
                f"{SELECT_PAPERS.replace(' FROM', ', revision FROM')} "
                "WHERE revision > ? ORDER BY revision LIMIT ?",
                (after, limit),
            )
            .fetchall()
        )
        return [(int(r[-1]), paper_from_row(r)) for r in rows]

    def deleted_papers(self, *, after: int) -> list[tuple[int, str, int]]:
        """(revision, paper id, paper key) of papers removed after revision ``after``."""
        self._require_schema()
        rows = self._db().execute(
            "SELECT revision, paper_id, paper_key FROM tombstones WHERE revision > ? "
            "ORDER BY revision",
            (after,),
        )
        return [(int(r), str(i), int(k)) for r, i, k in rows]

    def get_papers(self, ids: Sequence[str]) -> dict[str, Paper]:
        self._require_schema()
        found: dict[str, Paper] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = list(ids[start : start + _CHUNK])
            marks = ",".join("?" * len(chunk))
            for row in self._db().execute(f"{SELECT_PAPERS} WHERE id IN ({marks})", chunk):
                found[row[0]] = paper_from_row(row)
        return found

    def known_ids(self, ids: Sequence[str]) -> set[str]:
        """The ids among ``ids`` of stored papers, read from the primary key alone."""
        self._require_schema()
        unique = list(dict.fromkeys(ids))
        found: set[str] = set()
        for start in range(0, len(unique), _CHUNK):
            chunk = unique[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT id FROM papers WHERE id IN ({marks})"
            found.update(str(r[0]) for r in self._db().execute(sql, chunk))
        return found

    def ids_with_doi(self, doi: str) -> list[str]:
        """The papers whose ``doi`` is ``doi`` (case aside), by id; at most ``_CHUNK``."""
        self._require_schema()
        rows = self._db().execute(
            "SELECT id FROM papers WHERE doi = ? COLLATE NOCASE ORDER BY id LIMIT ?",
            (doi, _CHUNK),
        )
        return [r[0] for r in rows]

    def ids_with_title(self, title: str) -> list[str]:
        """The papers whose title is ``title`` (by ``title_key``), by id; at most ``_CHUNK``."""
        key = title_key(title)
        if not key:
            return []
        self._require_schema()
        rows = self._db().execute(
            "SELECT id FROM papers WHERE title_key = ? ORDER BY id LIMIT ?", (key, _CHUNK)
        )
        return [r[0] for r in rows]

    def filter_ids(self, ids: Sequence[str], filters: Filters) -> set[str]:
        """The ids among ``ids`` whose papers satisfy ``filters``."""
        if filters.is_empty:
            return set(ids)
        where, params = filter_clauses(filters)
        kept: set[str] = set()
        for start in range(0, len(ids), _CHUNK):
            chunk = list(ids[start : start + _CHUNK])
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT id FROM papers WHERE id IN ({marks}) AND " + " AND ".join(where)
            kept.update(r[0] for r in self._db().execute(sql, [*chunk, *params]))
        return kept

    def count_matching(self, filters: Filters) -> int:
        where, params = filter_clauses(filters)
        sql = "SELECT count(*) FROM papers" + (" WHERE " + " AND ".join(where) if where else "")
        return int(self._db().execute(sql, params).fetchone()[0])

    def matching_ids(self, filters: Filters) -> list[str]:
        where, params = filter_clauses(filters)
        sql = "SELECT id FROM papers" + (" WHERE " + " AND ".join(where) if where else "")
        return [r[0] for r in self._db().execute(sql, params)]

    # -- vectors ----------------------------------------------------------------------

    def vector_hashes(self, tier: str, ids: Sequence[str]) -> dict[str, str]:
        """The text hash each stored vector was computed from."""
        found: dict[str, str] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = list(ids[start : start + _CHUNK])
            marks = ",".join("?" * len(chunk))
            sql = (
                f"SELECT paper_id, text_hash FROM paper_vectors "
                f"WHERE tier = ? AND paper_id IN ({marks})"
            )
            found.update(dict(self._db().execute(sql, [tier, *chunk]).fetchall()))
        return found

    def save_vectors(self, tier: str, rows: Iterable[tuple[str, str, bytes]]) -> int:
        """Store (paper id, text hash, vector bytes); a paper's older vector is replaced
        and the new one gets a higher ``seq``, so index caches can catch up."""
        params = [(tier, pid, digest, vector, pid) for pid, digest, vector in rows]
        self._conn.executemany(
            "DELETE FROM paper_vectors WHERE tier = ? AND paper_id = ?",
            [(tier, pid) for tier, pid, *_ in params],
        )
        self._conn.executemany(
            "INSERT INTO paper_vectors (tier, paper_id, text_hash, vector, paper_key) "
            "SELECT ?, ?, ?, ?, rowid FROM papers WHERE id = ?",
            params,
        )
        return len(params)

    def vectors_after(self, tier: str, *, after: int, limit: int) -> list[VectorRow]:
        rows = self._db().execute(
            "SELECT seq, paper_key, paper_id, vector FROM paper_vectors "
            "WHERE tier = ? AND seq > ? ORDER BY seq LIMIT ?",
            (tier, after, limit),
        )
        return [VectorRow(int(s), int(k), str(i), bytes(v)) for s, k, i, v in rows]

    def vectors_of(self, tier: str, ids: Sequence[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), _CHUNK):
            chunk = unique[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            sql = (
                f"SELECT paper_id, vector FROM paper_vectors "
                f"WHERE tier = ? AND paper_id IN ({marks})"
            )
            found.update((str(i), bytes(v)) for i, v in self._db().execute(sql, [tier, *chunk]))
        return found

    def sample_vectors(self, tier: str, n: int, *, seed: int = 0) -> list[tuple[str, bytes]]:
        db = self._db()
        top = db.execute("SELECT max(seq) FROM paper_vectors WHERE tier = ?", (tier,)).fetchone()
        if not top or top[0] is None or n <= 0:
            return []
        # Draw sequence numbers, not rows: no scan of the table. The numbers are shared
        # by the tiers and replaced vectors leave gaps: draw in proportion.
        last = int(top[0])
        share = self.count_vectors(tier) / last
        draws = min(last, round(n / max(share, 1e-9)))
        rng = random.Random(seed)
        seqs = sorted(rng.sample(range(1, last + 1), draws))
        found: list[tuple[str, bytes]] = []
        for start in range(0, len(seqs), _CHUNK):
            chunk = seqs[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            sql = (
                f"SELECT paper_id, vector FROM paper_vectors "
                f"WHERE tier = ? AND seq IN ({marks}) ORDER BY seq"
            )
            found.extend((str(i), bytes(v)) for i, v in db.execute(sql, [tier, *chunk]))
        return found

    def mark_vectors_stale(self, tier: str) -> int:
        """Mark every vector of ``tier`` as computed from older text, so that
        ``papers_missing_vectors`` offers each paper again (the tier's model changed);
        the vectors serve until replaced. Returns how many were marked."""
        cursor = self._conn.execute(
            "UPDATE paper_vectors SET text_hash = '' WHERE tier = ? AND text_hash != ''",
            (tier,),
        )
        return int(cursor.rowcount)

    def count_vectors(self, tier: str) -> int:
        sql = "SELECT count(*) FROM paper_vectors WHERE tier = ?"
        return int(self._db().execute(sql, (tier,)).fetchone()[0])

    def papers_missing_vectors(self, tier: str, *, limit: int) -> list[Paper]:
        """Papers with no vector of this tier, or one computed from older text."""
        self._require_schema()
        sql = (
            f"{SELECT_PAPERS_P} "
            "LEFT JOIN paper_vectors AS v ON v.tier = ? AND v.paper_id = p.id "
            "WHERE v.paper_id IS NULL OR v.text_hash != p.text_hash "
            "ORDER BY p.sort_at DESC LIMIT ?"
        )
        return [paper_from_row(r) for r in self._db().execute(sql, (tier, limit))]

    def ids_for_keys(self, keys: Sequence[int]) -> dict[int, str]:
        found: dict[int, str] = {}
        for start in range(0, len(keys), _CHUNK):
            chunk = list(keys[start : start + _CHUNK])
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT rowid, id FROM papers WHERE rowid IN ({marks})"
            found.update({int(k): str(i) for k, i in self._db().execute(sql, chunk)})
        return found

    def keys_for_ids(self, ids: Sequence[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = list(ids[start : start + _CHUNK])
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT id, rowid FROM papers WHERE id IN ({marks})"
            found.update({str(i): int(k) for i, k in self._db().execute(sql, chunk)})
        return found

    # -- similar papers -----------------------------------------------------------------

    def save_similar(self, lists: Iterable[SimilarList]) -> int:
        """Replace the stored similar papers of each list's paper, with what the list
        was computed from; returns how many lists were stored."""
        now = utcnow().isoformat()
        saved = 0
        for item in lists:
            self._conn.execute("DELETE FROM similar_papers WHERE paper_id = ?", (item.paper_id,))
            self._conn.executemany(
                "INSERT INTO similar_papers (paper_id, position, other_id, score, reason) "
                "VALUES (?, ?, ?, ?, ?)",
                [
                    (item.paper_id, n, s.paper_id, s.score, s.reason)
                    for n, s in enumerate(item.papers)
                ],
            )
            self._conn.execute(
                "INSERT INTO similar_lists (paper_id, text_hash, basis, computed_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (paper_id) DO UPDATE SET "
                "text_hash = excluded.text_hash, basis = excluded.basis, "
                "computed_at = excluded.computed_at",
                (item.paper_id, item.text_hash, item.basis, now),
            )
            saved += 1
        if saved:
            self._bump_results()
        return saved

    def delete_similar(self, ids: Sequence[str]) -> int:
        """Forget the lists of these papers (removed from the store); returns how many."""
        gone = 0
        for start in range(0, len(ids), _CHUNK):
            chunk = list(ids[start : start + _CHUNK])
            marks = ",".join("?" * len(chunk))
            self._conn.execute(f"DELETE FROM similar_papers WHERE paper_id IN ({marks})", chunk)
            cursor = self._conn.execute(
                f"DELETE FROM similar_lists WHERE paper_id IN ({marks})", chunk
            )
            gone += cursor.rowcount
        return gone

    def stored_similar(self, paper_id: str, *, limit: int) -> list[Scored] | None:
        """The stored similar papers of ``paper_id``, best first; None when the index job
        has not computed its list yet."""
        self._require_schema()
        db = self._db()
        if db.execute("SELECT 1 FROM similar_lists WHERE paper_id = ?", (paper_id,)).fetchone():
            rows = db.execute(
                "SELECT other_id, score, reason FROM similar_papers WHERE paper_id = ? "
                "ORDER BY position LIMIT ?",
                (paper_id, limit),
            )
            return [Scored(str(i), float(s), str(r)) for i, s, r in rows]
        return None

    def similar_markers(self, ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """(text hash, basis) each stored list was computed from."""
        found: dict[str, tuple[str, str]] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = list(ids[start : start + _CHUNK])
            marks = ",".join("?" * len(chunk))
            sql = (
                f"SELECT paper_id, text_hash, basis FROM similar_lists WHERE paper_id IN ({marks})"
            )
            found.update({str(i): (str(h), str(b)) for i, h, b in self._db().execute(sql, chunk)})
        return found

    def papers_missing_similar(self, *, limit: int | None = None) -> list[str]:
        """Papers without a stored list, or with one computed from older text (or, for a
        paper that has gained a quality vector since, without the quality tier)."""
        self._require_schema()
        sql = (
            "SELECT p.id FROM papers AS p LEFT JOIN similar_lists AS s ON s.paper_id = p.id "
            "WHERE s.paper_id IS NULL OR s.text_hash != p.text_hash OR (s.basis = 'fast' "
            "AND EXISTS (SELECT 1 FROM paper_vectors AS v "
            "WHERE v.tier = 'quality' AND v.paper_id = p.id)) "
            "ORDER BY p.sort_at DESC LIMIT ?"
        )
        return [str(r[0]) for r in self._db().execute(sql, (NO_LIMIT if limit is None else limit,))]

    def papers_listing(self, ids: Sequence[str]) -> set[str]:
        """The papers whose stored lists name any of ``ids``."""
        found: set[str] = set()
        for start in range(0, len(ids), _CHUNK):
            chunk = list(ids[start : start + _CHUNK])
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT DISTINCT paper_id FROM similar_papers WHERE other_id IN ({marks})"
            found.update(str(r[0]) for r in self._db().execute(sql, chunk))
        return found

    def similar_computed_before(self, before: datetime, *, limit: int) -> list[str]:
        """Papers whose lists were computed before ``before``, oldest first."""
        sql = (
            "SELECT paper_id FROM similar_lists WHERE computed_at < ? ORDER BY computed_at LIMIT ?"
        )
        return [str(r[0]) for r in self._db().execute(sql, (before.isoformat(), limit))]

    def count_similar(self) -> int:
        return int(self._db().execute("SELECT count(*) FROM similar_lists").fetchone()[0])
