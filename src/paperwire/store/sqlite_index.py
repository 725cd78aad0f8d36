"""What the search indexes need from the SQLite store: changes since a revision,
stored vectors, and filtering of candidate ids."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any

from paperwire.models import Filters, Paper
from paperwire.store.base import VectorRow
from paperwire.store.sqlite_base import SQLiteParts
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
            "INSERT OR REPLACE INTO paper_vectors (tier, paper_id, text_hash, vector, paper_key) "
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
