"""What the SQLite store keeps for
subscriptions, the digest outbox and what each subscriber was sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from paperwire.store.base_digests import (
    CONFIRMED,
    FAILED,
    PENDING,
    QUEUED,
    SENDING,
    SENT,
    SUSPENDED,
    OutboxEntry,
    OutboxItem,
    Preferences,
    Subscriber,
)
from paperwire.store.sqlite_base import SQLiteParts

_SUBSCRIBER = (
    "SELECT id, email, status, frequency, categories, topics, timezone, created_at,"
    " confirmed_at, confirm_sent_at, failures FROM subscribers"
)
_BATCH = 500


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="microseconds")


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _subscriber(row: Sequence[Any]) -> Subscriber:
    prefs = Preferences(row[3], json.loads(row[4]), json.loads(row[5]), row[6])
    created = datetime.fromisoformat(row[7])
    return Subscriber(row[0], row[1], row[2], prefs, created, _when(row[8]), _when(row[9]), row[10])


class DigestSupport(SQLiteParts):
    # -- subscribers ----------------------------------------------------------------------

    def request_subscription(
        self, email: str, prefs: Preferences, *, now: datetime, resend_after: float
    ) -> bool:
        self._require_schema()
        with self.atomic():
            row = self._conn.execute(
                "SELECT id, confirm_sent_at FROM subscribers WHERE email = ?", (email,)
            ).fetchone()
            if row is None:
                self._conn.execute(
                    "INSERT INTO subscribers (email, status, frequency, categories, topics,"
                    " timezone, created_at, confirm_sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        email,
                        PENDING,
                        prefs.frequency,
                        json.dumps(prefs.categories),
                        json.dumps(prefs.topics),
                        prefs.timezone,
                        _iso(now),
                        _iso(now),
                    ),
                )
                return True
            last = _when(row[1])
            if last is not None and now - last < timedelta(seconds=resend_after):
                return False
            self._conn.execute(
                "UPDATE subscribers SET confirm_sent_at = ? WHERE id = ?", (_iso(now), row[0])
            )
            return True

    def confirm_subscription(self, email: str, prefs: Preferences, *, now: datetime) -> Subscriber:
        self._require_schema()
        with self.atomic():
            self._conn.execute(
                "INSERT INTO subscribers (email, status, frequency, categories, topics, timezone,"
                " created_at, confirmed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (email) DO UPDATE SET status = excluded.status,"
                " frequency = excluded.frequency, categories = excluded.categories,"
                " topics = excluded.topics, timezone = excluded.timezone,"
                " confirmed_at = excluded.confirmed_at, failures = 0",
                (
                    email,
                    CONFIRMED,
                    prefs.frequency,
                    json.dumps(prefs.categories),
                    json.dumps(prefs.topics),
                    prefs.timezone,
                    _iso(now),
                    _iso(now),
                ),
            )
            found = self.subscriber_by_email(email)
        assert found is not None
        return found

    def get_subscriber(self, subscriber_id: int) -> Subscriber | None:
        self._require_schema()
        row = self._db().execute(f"{_SUBSCRIBER} WHERE id = ?", (subscriber_id,)).fetchone()
        return _subscriber(row) if row else None

    def subscriber_by_email(self, email: str) -> Subscriber | None:
        self._require_schema()
        row = self._db().execute(f"{_SUBSCRIBER} WHERE email = ?", (email,)).fetchone()
        return _subscriber(row) if row else None

    def update_preferences(self, subscriber_id: int, prefs: Preferences) -> Subscriber | None:
        self._require_schema()
        with self.atomic():
            self._conn.execute(
                "UPDATE subscribers SET frequency = ?, categories = ?, topics = ?, timezone = ?"
                " WHERE id = ?",
                (
                    prefs.frequency,
                    json.dumps(prefs.categories),
                    json.dumps(prefs.topics),
                    prefs.timezone,
                    subscriber_id,
                ),
            )
            return self.get_subscriber(subscriber_id)

    def set_subscriber_status(self, subscriber_id: int, status: str) -> Subscriber | None:
        self._require_schema()
        with self.atomic():
            self._conn.execute(
                "UPDATE subscribers SET status = ? WHERE id = ?", (status, subscriber_id)
            )
            if status != CONFIRMED:  # nothing more goes out to this address
                self._conn.execute(
                    "UPDATE digest_outbox SET status = ?, last_error = ?"
                    " WHERE subscriber_id = ? AND status = ?",
                    (FAILED, f"subscriber {status}", subscriber_id, QUEUED),
                )
            return self.get_subscriber(subscriber_id)

    def subscribers(
        self, *, status: str = CONFIRMED, frequency: str | None = None
    ) -> list[Subscriber]:
        self._require_schema()
        sql, params = f"{_SUBSCRIBER} WHERE status = ?", [status]
        if frequency is not None:
            sql += " AND frequency = ?"
            params.append(frequency)
        return [_subscriber(r) for r in self._db().execute(sql + " ORDER BY id", params)]

    def add_subscribers(self, rows: Iterable[tuple[str, Preferences]], *, now: datetime) -> int:
        self._require_schema()
        stamp = _iso(now)
        values = [
            (
                email,
                CONFIRMED,
                p.frequency,
                json.dumps(p.categories),
                json.dumps(p.topics),
                p.timezone,
                stamp,
                stamp,
            )
            for email, p in rows
        ]
        with self.atomic():
            added = 0
            for row in values:  # one by one: how many were new is the sum of row counts
                added += self._conn.execute(
                    "INSERT INTO subscribers (email, status, frequency, categories, topics,"
                    " timezone, created_at, confirmed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT DO NOTHING",
                    row,
                ).rowcount
            return added

    # -- the outbox -----------------------------------------------------------------------

    def composed_periods(self, period: str) -> set[int]:
        self._require_schema()
        rows = self._db().execute(
            "SELECT subscriber_id FROM digest_outbox WHERE period = ?", (period,)
        )
        return {r[0] for r in rows}

    def sent_papers(self, subscriber_ids: Sequence[int]) -> dict[int, set[str]]:
        self._require_schema()
        found: dict[int, set[str]] = {}
        db = self._db()
        for start in range(0, len(subscriber_ids), _BATCH):
            chunk = list(subscriber_ids[start : start + _BATCH])
            marks = ",".join("?" * len(chunk))
            sql = (
                "SELECT subscriber_id, paper_id FROM digest_sent_papers"
                f" WHERE subscriber_id IN ({marks})"
            )
            for sid, pid in db.execute(sql, chunk):
                found.setdefault(sid, set()).add(pid)
        return found

    def add_outbox(self, entries: Iterable[OutboxEntry], *, now: datetime) -> int:
        self._require_schema()
        stamp = _iso(now)
        added = 0
        sent: list[tuple[int, str, str]] = []
        insert = (
            "INSERT OR IGNORE INTO digest_outbox (subscriber_id, period, recipient,"
            " message_id, content, papers, status, next_attempt_at, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        with self.atomic():
            execute = self._conn.execute
            for entry in entries:
                cursor = execute(
                    insert,
                    (
                        entry.subscriber_id,
                        entry.period,
                        entry.recipient,
                        entry.message_id,
                        entry.content,
                        len(entry.paper_ids),
                        QUEUED,
                        stamp,
                        stamp,
                    ),
                )
                if not cursor.rowcount:  # composed before: keep what was composed then
                    continue
                added += 1
                sent.extend((entry.subscriber_id, pid, entry.period) for pid in entry.paper_ids)
            self._conn.executemany(
                "INSERT OR IGNORE INTO digest_sent_papers (subscriber_id, paper_id, period)"
                " VALUES (?, ?, ?)",
                sent,
            )
        return added

    def claim_outbox(
        self, *, claimed_by: str, now: datetime, sent: int | None = None
    ) -> OutboxItem | None:
        self._require_schema()
        with self.atomic():
            if sent is not None:
                self._mark_sent(sent, now)
            skipped: list[int] = []
            while True:
                # The row is claimed only if it is still queued when the update runs: a
                # sender in another process (PostgreSQL) may have claimed it since the
                # select, and then this one takes the next.
                passed = f" AND id NOT IN ({','.join('?' * len(skipped))})" if skipped else ""
                row = self._conn.execute(
                    "SELECT id, subscriber_id, period, recipient, message_id, content, attempts,"
                    " created_at FROM digest_outbox WHERE status = ? AND next_attempt_at <= ?"
                    f"{passed} ORDER BY next_attempt_at, id LIMIT 1",
                    (QUEUED, _iso(now), *skipped),
                ).fetchone()
                if row is None:
                    return None
                claimed = self._conn.execute(
                    "UPDATE digest_outbox SET status = ?, claimed_by = ?, claimed_at = ?,"
                    " attempts = attempts + 1 WHERE id = ? AND status = ?",
                    (SENDING, claimed_by, _iso(now), row[0], QUEUED),
                ).rowcount
                if claimed:
                    break
                skipped.append(row[0])
        return OutboxItem(
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[5],
            row[6] + 1,
            claimed_by,
            datetime.fromisoformat(row[7]),
        )

    def release_orphans(
        self,
        *,
        is_dead: Callable[[str], bool],
        stale_before: datetime,
        give_up_after: int | None = None,
    ) -> tuple[int, int]:
        self._require_schema()
        released = failed = 0
        with self.atomic():
            rows = self._conn.execute(
                "SELECT id, claimed_by, claimed_at, attempts FROM digest_outbox WHERE status = ?",
                (SENDING,),
            ).fetchall()
            for item_id, claimed_by, claimed_at, attempts in rows:
                stale = claimed_at is None or datetime.fromisoformat(claimed_at) < stale_before
                if not (stale or is_dead(claimed_by or "")):
                    continue
                if give_up_after is not None and attempts >= give_up_after:
                    status = FAILED
                    error = f"given up: its sender stopped while sending it, {attempts} times"
                    failed += 1
                else:
                    status = QUEUED
                    error = f"released after sender {claimed_by} stopped"
                    released += 1
                self._conn.execute(
                    "UPDATE digest_outbox SET status = ?, claimed_by = NULL,"
                    " last_error = ? WHERE id = ? AND status = ?",
                    (status, error, item_id, SENDING),
                )
        return released, failed

    def mark_sent(self, item_id: int, *, claimed_by: str, now: datetime) -> None:
        with self.atomic():
            self._mark_sent(item_id, now)

    def _mark_sent(self, item_id: int, now: datetime) -> None:
        row = self._conn.execute(
            "UPDATE digest_outbox SET status = ?, sent_at = ?, last_error = NULL"
            " WHERE id = ? RETURNING subscriber_id",
            (SENT, _iso(now), item_id),
        ).fetchone()
        if row is not None:
            self._conn.execute(
                "UPDATE subscribers SET failures = 0 WHERE id = ? AND failures > 0", (row[0],)
            )

    def mark_retry(self, item_id: int, *, error: str, next_attempt_at: datetime) -> None:
        with self.atomic():
            self._conn.execute(
                "UPDATE digest_outbox SET status = ?, claimed_by = NULL, last_error = ?,"
                " next_attempt_at = ? WHERE id = ?",
                (QUEUED, error, _iso(next_attempt_at), item_id),
            )

    def mark_failed(self, item_id: int, *, error: str, suspend_after: int) -> bool:
        with self.atomic():
            row = self._conn.execute(
                "UPDATE digest_outbox SET status = ?, claimed_by = NULL, last_error = ?"
                " WHERE id = ? RETURNING subscriber_id",
                (FAILED, error, item_id),
            ).fetchone()
            if row is None:
                return False
            (failures,) = self._conn.execute(
                "UPDATE subscribers SET failures = failures + 1 WHERE id = ? RETURNING failures",
                (row[0],),
            ).fetchone()
            if failures < suspend_after:
                return False
            self.set_subscriber_status(row[0], SUSPENDED)
            return True

    def next_attempt_at(self) -> datetime | None:
        self._require_schema()
        row = (
            self._db()
            .execute("SELECT min(next_attempt_at) FROM digest_outbox WHERE status = ?", (QUEUED,))
            .fetchone()
        )
        return _when(row[0])

    def outbox_counts(self) -> dict[str, int]:
        self._require_schema()
        rows = self._db().execute("SELECT status, count(*) FROM digest_outbox GROUP BY status")
        counts = {status: 0 for status in (QUEUED, SENDING, SENT, FAILED)}
        counts.update({status: n for status, n in rows})
        return counts

    # -- the scheduler --------------------------------------------------------------------

    def job_runs(self) -> dict[str, datetime]:
        self._require_schema()
        rows = self._db().execute("SELECT name, last_run_at FROM job_runs")
        return {name: datetime.fromisoformat(at) for name, at in rows}

    def record_job_run(self, name: str, *, at: datetime) -> None:
        self._require_schema()
        with self.atomic():
            self._record_run(name, at)

    def _record_run(self, name: str, at: datetime) -> None:
        self._conn.execute(
            "INSERT INTO job_runs (name, last_run_at) VALUES (?, ?) ON CONFLICT (name)"
            " DO UPDATE SET last_run_at = excluded.last_run_at"
            " WHERE excluded.last_run_at > job_runs.last_run_at",
            (name, _iso(at)),
        )

    def claim_job(
        self, name: str, holder: str, *, now: datetime, until: datetime, ran_since: datetime | None
    ) -> bool:
        self._require_schema()
        with self.atomic():
            # The claim first: it waits for (and then sees) a claim being let go, so the
            # run recorded with that is read below.
            won = self._conn.execute(
                "INSERT INTO job_leases (name, holder, claimed_at, expires_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET"
                " holder = excluded.holder, claimed_at = excluded.claimed_at,"
                " expires_at = excluded.expires_at WHERE job_leases.expires_at <= ?"
                " RETURNING holder",
                (name, holder, _iso(now), _iso(until), _iso(now)),
            ).fetchone()
            if won is None:
                return False
            if ran_since is None:
                return True
            row = self._conn.execute(
                "SELECT last_run_at FROM job_runs WHERE name = ?", (name,)
            ).fetchone()
            if row is None or row[0] < _iso(ran_since):
                return True
            self._conn.execute(
                "DELETE FROM job_leases WHERE name = ? AND holder = ?", (name, holder)
            )
            return False

    def job_leases(self) -> dict[str, str]:
        self._require_schema()
        rows = self._db().execute("SELECT name, holder FROM job_leases")
        return {name: holder for name, holder in rows}

    def renew_job(self, name: str, holder: str, *, until: datetime) -> bool:
        self._require_schema()
        with self.atomic():
            changed = self._conn.execute(
                "UPDATE job_leases SET expires_at = ? WHERE name = ? AND holder = ?",
                (_iso(until), name, holder),
            ).rowcount
        return changed == 1

    def finish_job(self, name: str, holder: str, *, started: datetime) -> None:
        self._require_schema()
        with self.atomic():
            self._record_run(name, started)
            self._conn.execute(
                "DELETE FROM job_leases WHERE name = ? AND holder = ?", (name, holder)
            )
