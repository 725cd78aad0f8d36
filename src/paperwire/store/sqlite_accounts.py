"""What the SQLite store keeps for
accounts, sign-in links, sessions, API tokens, upvotes and submissions.

Upvotes: the ``upvotes`` rows and ``papers.local_upvotes`` change together in one write
transaction (``BEGIN IMMEDIATE``), so the count is exact however many processes and
threads click at once; the paper gets a new revision, so cached pages show the new count.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from paperwire.auth.models import (
    SUBMITTED_FEED,
    DuplicateSubmission,
    Submission,
    SubmissionCapReached,
    User,
)
from paperwire.models import Paper, UpsertCounts
from paperwire.normalize import utcnow
from paperwire.store.sqlite_base import SQLiteParts

#: Feeds whose papers count as already on the daily feed (a submission is refused).
COMMUNITY_FEEDS = (SUBMITTED_FEED, "hf-daily")

_USER = "SELECT id, email, role, created_at FROM users"
_SUBMISSION = (
    "SELECT paper_id, user_id, day, submitted_at, by_curator, pinned, hidden FROM submissions"
)


def _user(row: tuple[object, ...]) -> User:
    created = row[3]
    return User(
        id=int(str(row[0])),
        email=str(row[1]),
        role=str(row[2]),
        created_at=datetime.fromisoformat(created) if isinstance(created, str) else None,
    )


def _submission(row: tuple[object, ...]) -> Submission:
    return Submission(
        paper_id=str(row[0]),
        user_id=int(str(row[1])) if row[1] is not None else None,
        day=date.fromisoformat(str(row[2])),
        submitted_at=datetime.fromisoformat(str(row[3])),
        by_curator=bool(row[4]),
        pinned=bool(row[5]),
        hidden=bool(row[6]),
    )


class AccountsSupport(SQLiteParts):
    def _next_revisions(self, n: int) -> int:
        raise NotImplementedError

    def get_paper(self, paper_id: str) -> Paper | None:
        raise NotImplementedError

    def upsert_papers(self, papers: Iterable[Paper]) -> UpsertCounts:
        raise NotImplementedError

    # -- users -------------------------------------------------------------------------

    def add_user(self, email: str, *, role: str, now: datetime) -> User:
        with self.atomic():
            self._conn.execute(
                "INSERT INTO users (email, role, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (email) DO UPDATE SET role = excluded.role",
                (email, role, now.isoformat()),
            )
            row = self._conn.execute(f"{_USER} WHERE email = ?", (email,)).fetchone()
        return _user(row)

    def ensure_user(self, email: str, *, now: datetime) -> User:
        with self.atomic():
            self._conn.execute(
                "INSERT OR IGNORE INTO users (email, role, created_at) VALUES (?, 'reader', ?)",
                (email, now.isoformat()),
            )
            row = self._conn.execute(f"{_USER} WHERE email = ?", (email,)).fetchone()
        return _user(row)

    def get_user(self, user_id: int) -> User | None:
        self._require_schema()
        row = self._db().execute(f"{_USER} WHERE id = ?", (user_id,)).fetchone()
        return _user(row) if row else None

    def user_by_email(self, email: str) -> User | None:
        self._require_schema()
        row = self._db().execute(f"{_USER} WHERE email = ?", (email,)).fetchone()
        return _user(row) if row else None

    def list_users(self) -> list[User]:
        self._require_schema()
        return [_user(r) for r in self._db().execute(f"{_USER} ORDER BY id")]

    # -- sign-in links, sessions, API tokens -------------------------------------------

    def add_login_link(
        self, token_hash: str, *, email: str, now: datetime, expires_at: datetime
    ) -> None:
        with self.atomic():
            # Links long past their use are of no interest to anyone: keep the table small.
            self._conn.execute(
                "DELETE FROM login_links WHERE expires_at < ?",
                ((now - timedelta(days=1)).isoformat(),),
            )
            self._conn.execute(
                "INSERT INTO login_links (token_hash, email, created_at, expires_at) "
                "VALUES (?, ?, ?, ?)",
                (token_hash, email, now.isoformat(), expires_at.isoformat()),
            )

    def consume_login_link(self, token_hash: str, *, now: datetime) -> str | None:
        with self.atomic():
            row = self._conn.execute(
                "UPDATE login_links SET used_at = ? "
                "WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING email",
                (now.isoformat(), token_hash, now.isoformat()),
            ).fetchone()
        return str(row[0]) if row else None

    def add_session(
        self, token_hash: str, *, user_id: int, now: datetime, expires_at: datetime
    ) -> None:
        with self.atomic():
            self._conn.execute(
                "DELETE FROM sessions WHERE user_id = ? AND expires_at < ?",
                (user_id, now.isoformat()),
            )
            self._conn.execute(
                "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) "
                "VALUES (?, ?, ?, ?)",
                (token_hash, user_id, now.isoformat(), expires_at.isoformat()),
            )

    def session_user(self, token_hash: str, *, now: datetime) -> User | None:
        self._require_schema()
        row = (
            self._db()
            .execute(
                "SELECT u.id, u.email, u.role, u.created_at FROM sessions AS s "
                "JOIN users AS u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ?",
                (token_hash, now.isoformat()),
            )
            .fetchone()
        )
        return _user(row) if row else None

    def delete_session(self, token_hash: str) -> None:
        with self.atomic():
            self._conn.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,))

    def add_api_token(self, token_hash: str, *, user_id: int, now: datetime) -> int:
        with self.atomic():
            row = self._conn.execute(
                "INSERT INTO api_tokens (token_hash, user_id, created_at) VALUES (?, ?, ?) "
                "RETURNING id",
                (token_hash, user_id, now.isoformat()),
            ).fetchone()
        return int(row[0])

    def token_user(self, token_hash: str) -> User | None:
        self._require_schema()
        row = (
            self._db()
            .execute(
                "SELECT u.id, u.email, u.role, u.created_at FROM api_tokens AS t "
                "JOIN users AS u ON u.id = t.user_id "
                "WHERE t.token_hash = ? AND t.revoked_at IS NULL",
                (token_hash,),
            )
            .fetchone()
        )
        return _user(row) if row else None

    def revoke_api_tokens(self, user_id: int, *, now: datetime) -> int:
        with self.atomic():
            cursor = self._conn.execute(
                "UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
                (now.isoformat(), user_id),
            )
        return cursor.rowcount

    def hit_rate_limit(
        self, bucket: str, *, limit: int, window: float, now: datetime
    ) -> float | None:
        at = now.timestamp()
        with self.atomic():
            self._conn.execute(
                "DELETE FROM rate_events WHERE bucket = ? AND at <= ?", (bucket, at - window)
            )
            count, oldest = self._conn.execute(
                "SELECT count(*), min(at) FROM rate_events WHERE bucket = ?", (bucket,)
            ).fetchone()
            if count >= limit:
                return max(1.0, float(oldest) + window - at)
            self._conn.execute("INSERT INTO rate_events (bucket, at) VALUES (?, ?)", (bucket, at))
        return None

    # -- upvotes -----------------------------------------------------------------------

    def _change_upvotes(self, paper_id: str, delta: int) -> None:
        self._conn.execute(
            "UPDATE papers SET local_upvotes = local_upvotes + ?, revision = ? WHERE id = ?",
            (delta, self._next_revisions(1), paper_id),
        )

    def add_upvote(self, user_id: int, paper_id: str, *, now: datetime) -> Paper | None:
        with self.atomic():
            if self._conn.execute("SELECT 1 FROM papers WHERE id = ?", (paper_id,)).fetchone():
                added = self._conn.execute(
                    "INSERT OR IGNORE INTO upvotes (user_id, paper_id, created_at) "
                    "VALUES (?, ?, ?)",
                    (user_id, paper_id, now.isoformat()),
                ).rowcount
                if added:
                    self._change_upvotes(paper_id, 1)
                    self._bump_signals(user_id, now.isoformat())
            return self.get_paper(paper_id)

    def remove_upvote(self, user_id: int, paper_id: str) -> Paper | None:
        with self.atomic():
            removed = self._conn.execute(
                "DELETE FROM upvotes WHERE user_id = ? AND paper_id = ?", (user_id, paper_id)
            ).rowcount
            if removed:
                self._change_upvotes(paper_id, -1)
                self._bump_signals(user_id, utcnow().isoformat())
            return self.get_paper(paper_id)

    def upvoted_ids(self, user_id: int, paper_ids: list[str] | None = None) -> list[str]:
        self._require_schema()
        sql = "SELECT paper_id FROM upvotes WHERE user_id = ?"
        params: list[object] = [user_id]
        if paper_ids is not None:
            if not paper_ids:
                return []
            sql += f" AND paper_id IN ({','.join('?' * len(paper_ids))})"
            params += paper_ids
        sql += " ORDER BY created_at DESC, paper_id"
        return [str(r[0]) for r in self._db().execute(sql, params)]

    # -- submissions -------------------------------------------------------------------

    def _set_feed_day(self, paper_id: str, day: date, present: bool) -> None:
        """Add or take away the paper's ``submitted`` feed day (JSON column and index)."""
        row = self._conn.execute("SELECT feed_dates FROM papers WHERE id = ?", (paper_id,))
        found = row.fetchone()
        if found is None:
            return
        days = [tuple(d) for d in json.loads(found[0])]
        entry = (day.isoformat(), SUBMITTED_FEED)
        if present and entry not in days:
            days = sorted([*days, entry])
            self._conn.execute(
                "INSERT OR IGNORE INTO paper_days (paper_id, feed, day) VALUES (?, ?, ?)",
                (paper_id, SUBMITTED_FEED, day.isoformat()),
            )
        elif not present and entry in days:
            days.remove(entry)
            self._conn.execute(
                "DELETE FROM paper_days WHERE day = ? AND feed = ? AND paper_id = ?",
                (day.isoformat(), SUBMITTED_FEED, paper_id),
            )
        else:
            return
        self._conn.execute(
            "UPDATE papers SET feed_dates = ?, revision = ? WHERE id = ?",
            (
                json.dumps([list(d) for d in days], separators=(",", ":")),
                self._next_revisions(1),
                paper_id,
            ),
        )
        changed = self.get_paper(paper_id)  # the day it is listed on follows its feed days
        if changed is not None and changed.first_day is not None:
            self._conn.execute(
                "UPDATE papers SET first_day = ? WHERE id = ?",
                (changed.first_day.isoformat(), paper_id),
            )

    def add_submission(
        self, paper: Paper, *, user: User, now: datetime, cap: int | None = None
    ) -> Submission:
        day = now.date()
        with self.atomic():
            if cap is not None and self.count_submissions(user.id, day) >= cap:
                raise SubmissionCapReached(f"at most {cap} submissions a day")
            if (
                self._conn.execute(
                    "SELECT 1 FROM submissions WHERE paper_id = ?", (paper.id,)
                ).fetchone()
                or self._conn.execute(
                    f"SELECT 1 FROM paper_days WHERE paper_id = ? "
                    f"AND feed IN ({','.join('?' * len(COMMUNITY_FEEDS))})",
                    (paper.id, *COMMUNITY_FEEDS),
                ).fetchone()
            ):
                raise DuplicateSubmission(f"{paper.id} is already on the daily feed")
            self.upsert_papers([paper])
            self._conn.execute(
                "UPDATE papers SET submitted_by = ?, submitted_at = ? WHERE id = ?",
                (user.display_name, now.isoformat(), paper.id),
            )
            self._set_feed_day(paper.id, day, True)
            self._conn.execute(
                "INSERT INTO submissions (paper_id, user_id, day, submitted_at, by_curator) "
                "VALUES (?, ?, ?, ?, ?)",
                (paper.id, user.id, day.isoformat(), now.isoformat(), int(user.is_curator)),
            )
        return Submission(paper.id, user.id, day, now, user.is_curator)

    def get_submission(self, paper_id: str) -> Submission | None:
        self._require_schema()
        row = self._db().execute(f"{_SUBMISSION} WHERE paper_id = ?", (paper_id,)).fetchone()
        return _submission(row) if row else None

    def count_submissions(self, user_id: int, day: date) -> int:
        self._require_schema()
        row = (
            self._db()
            .execute(
                "SELECT count(*) FROM submissions WHERE user_id = ? AND day = ?",
                (user_id, day.isoformat()),
            )
            .fetchone()
        )
        return int(row[0])

    def user_submissions(self, user_id: int) -> list[Submission]:
        self._require_schema()
        sql = f"{_SUBMISSION} WHERE user_id = ? ORDER BY submitted_at DESC"
        return [_submission(r) for r in self._db().execute(sql, (user_id,))]

    def update_submission(
        self, paper_id: str, *, pinned: bool | None = None, hidden: bool | None = None
    ) -> Submission | None:
        with self.atomic():
            row = self._conn.execute(f"{_SUBMISSION} WHERE paper_id = ?", (paper_id,)).fetchone()
            if row is None:
                return None
            current = _submission(row)
            if pinned is not None and pinned != current.pinned:
                self._conn.execute(
                    "UPDATE submissions SET pinned = ? WHERE paper_id = ?", (int(pinned), paper_id)
                )
                # A new revision: the daily feed's order changed, so cached pages go stale.
                self._conn.execute(
                    "UPDATE papers SET revision = ? WHERE id = ?",
                    (self._next_revisions(1), paper_id),
                )
            if hidden is not None and hidden != current.hidden:
                self._conn.execute(
                    "UPDATE submissions SET hidden = ? WHERE paper_id = ?", (int(hidden), paper_id)
                )
                self._set_feed_day(paper_id, current.day, not hidden)
            row = self._conn.execute(f"{_SUBMISSION} WHERE paper_id = ?", (paper_id,)).fetchone()
        return _submission(row)

    def remove_submission(self, paper_id: str) -> bool:
        with self.atomic():
            row = self._conn.execute(f"{_SUBMISSION} WHERE paper_id = ?", (paper_id,)).fetchone()
            if row is None:
                return False
            self._set_feed_day(paper_id, _submission(row).day, False)
            self._conn.execute(
                "UPDATE papers SET submitted_by = NULL, submitted_at = NULL WHERE id = ?",
                (paper_id,),
            )
            self._conn.execute("DELETE FROM submissions WHERE paper_id = ?", (paper_id,))
        return True
