"""What the SQLite store keeps for GitHub star fetching state and stored trending scores.

The trending score reads the accounts area's ``upvotes`` and ``submissions`` tables
read-only; each read checks ``sqlite_master`` first, so a database without them works.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from paperwire.models import Paper
from paperwire.normalize import utcnow
from paperwire.store.base_rank import Curation, RepoState, TrendingRow
from paperwire.store.sqlite_base import SQLiteParts
from paperwire.store.sqlite_rows import SELECT_PAPERS, paper_from_row

_CHUNK = 500


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


class RankSupport(SQLiteParts):
    def _has_table(self, name: str) -> bool:
        row = (
            self._db()
            .execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
            .fetchone()
        )
        return row is not None

    # -- GitHub stars ----------------------------------------------------------------------

    def github_targets(self) -> list[tuple[str, list[str]]]:
        self._require_schema()
        targets: dict[str, list[str]] = {}
        rows = self._db().execute(
            "SELECT lower(github_repo), id FROM papers WHERE github_repo IS NOT NULL "
            "AND github_repo != '' ORDER BY lower(github_repo), id"
        )
        for repo, paper_id in rows:
            targets.setdefault(repo, []).append(paper_id)
        return list(targets.items())

    def repo_state(self, repo: str) -> RepoState | None:
        self._require_schema()
        row = (
            self._db()
            .execute(
                "SELECT repo, etag, stars, status, checked_at, moved_to, message "
                "FROM github_repos WHERE repo = ?",
                (repo.lower(),),
            )
            .fetchone()
        )
        if row is None:
            return None
        return RepoState(row[0], row[1], row[2], row[3], _dt(row[4]), row[5], row[6])

    def record_repo(
        self,
        state: RepoState,
        *,
        paper_ids: Sequence[str],
        observed_at: datetime | None = None,
    ) -> None:
        self._require_schema()
        checked = (state.checked_at or utcnow()).isoformat()
        with self.atomic():
            self._conn.execute(
                "INSERT INTO github_repos (repo, etag, stars, status, checked_at, moved_to, "
                "message) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (repo) DO UPDATE SET "
                "etag = excluded.etag, stars = excluded.stars, status = excluded.status, "
                "checked_at = excluded.checked_at, moved_to = excluded.moved_to, "
                "message = excluded.message",
                (
                    state.repo.lower(),
                    state.etag,
                    state.stars,
                    state.status,
                    checked,
                    state.moved_to,
                    state.message,
                ),
            )
            if observed_at is None or state.stars is None:
                return
            # star_observations is keyed by (repo, observed_at): the row names the repo as
            # the papers do, so histories are read by the papers' github_repo.
            for paper_id in paper_ids:
                row = self._conn.execute(
                    "SELECT github_repo FROM papers WHERE id = ?", (paper_id,)
                ).fetchone()
                if row is None or not row[0]:
                    continue
                self._conn.execute(
                    "INSERT OR IGNORE INTO star_observations (paper_id, repo, observed_at, stars) "
                    "VALUES (?, ?, ?, ?)",
                    (paper_id, row[0], observed_at.isoformat(timespec="microseconds"), state.stars),
                )
                self._conn.execute(
                    "UPDATE papers SET github_stars = ? WHERE id = ? "
                    "AND coalesce(github_stars, -1) != ?",
                    (state.stars, paper_id, state.stars),
                )

    def star_histories(
        self, repos: Sequence[str], *, until: datetime
    ) -> dict[str, list[tuple[datetime, int]]]:
        self._require_schema()
        histories: dict[str, list[tuple[datetime, int]]] = {}
        wanted = sorted({r.lower() for r in repos})
        for chunk in _chunks(wanted):
            marks = ",".join("?" * len(chunk))
            rows = self._db().execute(
                f"SELECT lower(repo), observed_at, max(stars) FROM star_observations "
                f"WHERE lower(repo) IN ({marks}) AND observed_at < ? "
                f"GROUP BY lower(repo), observed_at ORDER BY observed_at",
                [*chunk, until.isoformat()],
            )
            for repo, observed_at, stars in rows:
                when = _dt(observed_at)
                if when is not None and when < until:
                    histories.setdefault(repo, []).append((when, int(stars)))
        for points in histories.values():  # stored text may mix ISO forms: order by time
            points.sort()
        return histories

    # -- what the trending score reads -----------------------------------------------------

    def trending_candidates(self, *, since: datetime, until: datetime) -> list[Paper]:
        self._require_schema()
        first_day, last_day = since.date().isoformat(), until.date().isoformat()
        params: list[object] = [until.isoformat(), first_day, last_day]
        params += [since.isoformat(), until.isoformat()]
        conditions = [
            "id IN (SELECT paper_id FROM paper_days WHERE day >= ? AND day < ?)",
            "(feed_dates = '[]' AND sort_at >= ? AND sort_at < ?)",
            "lower(github_repo) IN (SELECT lower(repo) FROM star_observations "
            "WHERE observed_at >= ? AND observed_at < ?)",
        ]
        params += [since.isoformat(), until.isoformat()]
        if self._has_table("upvotes"):
            conditions.append(
                "id IN (SELECT paper_id FROM upvotes WHERE created_at >= ? AND created_at < ?)"
            )
            params += [since.isoformat(), until.isoformat()]
        sql = f"{SELECT_PAPERS} WHERE sort_at < ? AND ({' OR '.join(conditions)})"
        return [paper_from_row(r) for r in self._db().execute(sql, params)]

    def upvote_times(
        self, paper_ids: Sequence[str], *, until: datetime
    ) -> dict[str, list[datetime]]:
        self._require_schema()
        found: dict[str, list[datetime]] = {}
        if not paper_ids or not self._has_table("upvotes"):
            return found
        for chunk in _chunks(list(paper_ids)):
            marks = ",".join("?" * len(chunk))
            rows = self._db().execute(
                f"SELECT paper_id, created_at FROM upvotes WHERE paper_id IN ({marks})",
                list(chunk),
            )
            for paper_id, created_at in rows:
                when = _dt(created_at)
                if when is not None and when < until:
                    found.setdefault(paper_id, []).append(when)
        return found

    def curation(self, paper_ids: Sequence[str]) -> dict[str, Curation]:
        self._require_schema()
        found: dict[str, Curation] = {}
        if not paper_ids or not self._has_table("submissions"):
            return found
        for chunk in _chunks(list(paper_ids)):
            marks = ",".join("?" * len(chunk))
            rows = self._db().execute(
                "SELECT paper_id, by_curator, pinned, hidden, submitted_at FROM submissions "
                f"WHERE paper_id IN ({marks})",
                list(chunk),
            )
            for paper_id, by_curator, pinned, hidden, submitted_at in rows:
                found[paper_id] = Curation(
                    bool(by_curator), bool(pinned), bool(hidden), _dt(submitted_at)
                )
        return found

    # -- stored rankings -------------------------------------------------------------------

    def save_trending(self, *, window: str, at: date, rows: Iterable[TrendingRow]) -> int:
        self._require_schema()
        day = at.isoformat()
        with self.atomic(bulk=True):
            self._conn.execute("DELETE FROM trending WHERE window = ? AND at = ?", (window, day))
            values = [
                (
                    window,
                    day,
                    position,
                    row.paper_id,
                    row.score,
                    row.reason,
                    int(row.pinned),
                    json.dumps(row.components or {}, sort_keys=True),
                )
                for position, row in enumerate(rows)
            ]
            self._conn.executemany(
                "INSERT INTO trending (window, at, position, paper_id, score, reason, pinned, "
                "components) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                values,
            )
            self._conn.execute(
                "INSERT INTO trending_runs (window, at, computed_at, papers) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (window, at) DO UPDATE SET computed_at = excluded.computed_at, "
                "papers = excluded.papers",
                (window, day, utcnow().isoformat(), len(values)),
            )
            self._bump_results()
        return len(values)

    def stored_trending(
        self, *, window: str, at: date, limit: int, offset: int = 0
    ) -> list[TrendingRow] | None:
        self._require_schema()
        db = self._db()
        day = at.isoformat()
        run = db.execute(
            "SELECT 1 FROM trending_runs WHERE window = ? AND at = ?", (window, day)
        ).fetchone()
        if run is None:
            return None
        rows = db.execute(
            "SELECT paper_id, score, reason, pinned, components FROM trending "
            "WHERE window = ? AND at = ? ORDER BY position LIMIT ? OFFSET ?",
            (window, day, limit, offset),
        )
        return [TrendingRow(r[0], r[1], r[2], bool(r[3]), json.loads(r[4])) for r in rows]

    def latest_trending_day(self, window: str) -> date | None:
        self._require_schema()
        row = (
            self._db()
            .execute("SELECT max(at) FROM trending_runs WHERE window = ?", (window,))
            .fetchone()
        )
        return date.fromisoformat(row[0]) if row and row[0] else None

    def latest_activity_day(self, *, until: date | None = None) -> date | None:
        self._require_schema()
        db = self._db()
        last = (until or date.max).isoformat()
        # the latest day a daily feed first announced a paper (papers_first_day, read
        # backwards): a day that only repeats earlier listings is no new day
        announced = db.execute(
            "SELECT first_day FROM papers WHERE first_day <= ? AND feed_dates != '[]' "
            "ORDER BY first_day DESC LIMIT 1",
            (last,),
        ).fetchone()
        days = [announced[0] if announced else None]
        if self._has_table("upvotes"):
            latest = db.execute(
                "SELECT max(created_at) FROM upvotes WHERE created_at < ?", (f"{last}~",)
            ).fetchone()[0]
            days.append((latest or "")[:10])
        known = [date.fromisoformat(d) for d in days if d]
        return max(known) if known else None
