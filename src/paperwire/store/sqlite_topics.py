"""What the SQLite store keeps of the topics of each day (``paperwire.index.topics``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime

from paperwire.normalize import utcnow
from paperwire.store.base_topics import DayTopics, Topic
from paperwire.store.sqlite_base import SQLiteParts

_CHUNK = 500


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


class TopicsSupport(SQLiteParts):
    def save_day_topics(self, day: date, *, fingerprint: str, topics: Sequence[Topic]) -> None:
        self._require_schema()
        key = day.isoformat()
        with self.atomic():
            conn = self._conn
            conn.execute("DELETE FROM day_topics WHERE day = ?", (key,))
            conn.execute("DELETE FROM day_topic_papers WHERE day = ?", (key,))
            conn.executemany(
                "INSERT INTO day_topics (day, position, label, terms) VALUES (?, ?, ?, ?)",
                [(key, n, t.label, json.dumps(list(t.terms))) for n, t in enumerate(topics)],
            )
            conn.executemany(
                "INSERT OR IGNORE INTO day_topic_papers (day, paper_id, position) VALUES (?, ?, ?)",
                [(key, pid, n) for n, t in enumerate(topics) for pid in t.paper_ids],
            )
            conn.execute(
                "INSERT INTO topic_days (day, fingerprint, computed_at) VALUES (?, ?, ?) "
                "ON CONFLICT (day) DO UPDATE SET fingerprint = excluded.fingerprint, "
                "computed_at = excluded.computed_at",
                (key, fingerprint, utcnow().isoformat()),
            )
            self._bump_results()

    def day_topics(self, day: date) -> DayTopics | None:
        self._require_schema()
        db = self._db()
        key = day.isoformat()
        row = db.execute(
            "SELECT fingerprint, computed_at FROM topic_days WHERE day = ?", (key,)
        ).fetchone()
        if row is None:
            return None
        members: dict[int, list[str]] = {}
        for pid, position in db.execute(
            "SELECT paper_id, position FROM day_topic_papers WHERE day = ? ORDER BY paper_id",
            (key,),
        ):
            members.setdefault(int(position), []).append(str(pid))
        topics = [
            Topic(label=str(label), terms=json.loads(terms), paper_ids=members.get(int(n), []))
            for n, label, terms in db.execute(
                "SELECT position, label, terms FROM day_topics WHERE day = ? ORDER BY position",
                (key,),
            )
        ]
        return DayTopics(day, str(row[0]), topics, datetime.fromisoformat(row[1]))

    def topic_terms_of(self, papers: Sequence[tuple[str, date]]) -> dict[str, list[str]]:
        self._require_schema()
        found: dict[str, list[str]] = {}
        pairs = [(day.isoformat(), pid) for pid, day in papers]
        for start in range(0, len(pairs), _CHUNK):
            chunk = pairs[start : start + _CHUNK]
            marks = ",".join(["(?, ?)"] * len(chunk))
            # A join with the wanted pairs reads each by the primary key; a row-value
            # ``IN (VALUES ...)`` would scan every grouped paper.
            sql = (
                f"WITH wanted (day, paper_id) AS (VALUES {marks})"
                " SELECT p.paper_id, t.terms FROM wanted AS w"
                " JOIN day_topic_papers AS p ON p.day = w.day AND p.paper_id = w.paper_id"
                " JOIN day_topics AS t ON t.day = p.day AND t.position = p.position"
            )
            args = [value for pair in chunk for value in pair]
            for pid, terms in self._db().execute(sql, args):
                found[str(pid)] = json.loads(terms)
        return found

    def topic_fingerprints(self, days: Sequence[date]) -> dict[date, str]:
        self._require_schema()
        found: dict[date, str] = {}
        keys = [d.isoformat() for d in days]
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT day, fingerprint FROM topic_days WHERE day IN ({marks})"
            for key, mark in self._db().execute(sql, chunk):
                day = _day(key)
                if day is not None:
                    found[day] = str(mark)
        return found

    def days_written_after(self, revision: int) -> list[date]:
        self._require_schema()
        rows = self._db().execute(
            "SELECT DISTINCT d FROM ("
            " SELECT pd.day AS d FROM paper_days AS pd JOIN papers AS p ON p.id = pd.paper_id"
            " WHERE p.revision > ?"
            " UNION SELECT date(published_at) FROM papers"
            " WHERE revision > ? AND feed_dates = '[]' AND published_at IS NOT NULL"
            " UNION SELECT date(first_seen_at) FROM papers WHERE revision > ? AND feed_dates = '[]'"
            ") AS days WHERE d IS NOT NULL ORDER BY d DESC",
            (revision, revision, revision),
        )
        return [day for (key,) in rows if (day := _day(key)) is not None]

    def vectors_of(self, tier: str, ids: Sequence[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = list(ids[start : start + _CHUNK])
            marks = ",".join("?" * len(chunk))
            sql = (
                f"SELECT paper_id, vector FROM paper_vectors "
                f"WHERE tier = ? AND paper_id IN ({marks})"
            )
            found.update({str(i): bytes(v) for i, v in self._db().execute(sql, [tier, *chunk])})
        return found
