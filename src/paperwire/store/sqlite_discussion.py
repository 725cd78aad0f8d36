"""What the store keeps of the discussion under each paper (SQL both backends run).

Every write that changes what a paper page shows (a comment, its state, a vote, a lock,
a confirmed claim) counts a write of results (``_bump_results``), so the response cache
serves no page from before it. Votes: the row in ``comment_votes`` is inserted (or
deleted) and, only when that changed a row, ``upvotes`` moves by one in the same
statement order and transaction; the database's row lock makes concurrent votes exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast

from paperwire.store.base_discussion import (
    AuthorClaim,
    Comment,
    CommentState,
    CuratorAction,
    FollowNews,
    ModerationEntry,
    NewComment,
    Report,
)
from paperwire.store.sqlite_base import SQLiteParts

_COMMENT = (
    "SELECT c.id, c.paper_id, c.parent_id, c.user_id, u.email, c.depth, c.body_md, "
    "c.body_html, c.state, c.upvotes, c.created_at, c.edited_at, "
    "EXISTS (SELECT 1 FROM author_claims a WHERE a.user_id = c.user_id "
    "AND a.paper_id = c.paper_id AND a.confirmed_at IS NOT NULL) "
    "FROM comments c JOIN users u ON u.id = c.user_id"
)
#: The same columns without the author mark (``paper_comments`` adds it).
_PLAIN_COMMENT = (
    "SELECT c.id, c.paper_id, c.parent_id, c.user_id, u.email, c.depth, c.body_md, "
    "c.body_html, c.state, c.upvotes, c.created_at, c.edited_at "
    "FROM comments c JOIN users u ON u.id = c.user_id"
)
_CHUNK = 500


def _when(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _name(email: object) -> str:
    return str(email).split("@", 1)[0]


def _comment(row: Sequence[object]) -> Comment:
    created = _when(row[10])
    assert created is not None
    parent = row[2]
    return Comment(
        id=int(str(row[0])),
        paper_id=str(row[1]),
        parent_id=None if parent is None else int(str(parent)),
        user_id=int(str(row[3])),
        author=_name(row[4]),
        depth=int(str(row[5])),
        body_md=str(row[6]),
        body_html=str(row[7]),
        state=cast(CommentState, str(row[8])),
        upvotes=int(str(row[9])),
        created_at=created,
        edited_at=_when(row[11]),
        is_paper_author=bool(row[12]),
    )


def _marks(count: int) -> str:
    return ",".join("?" * count)


class DiscussionSupport(SQLiteParts):
    # -- comments ----------------------------------------------------------------------

    def add_comment(self, new: NewComment, *, now: datetime) -> Comment:
        self._require_schema()
        with self.atomic():
            row = self._conn.execute(
                "INSERT INTO comments (paper_id, parent_id, user_id, depth, body_md, body_html, "
                "state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    new.paper_id,
                    new.parent_id,
                    new.user_id,
                    new.depth,
                    new.body_md,
                    new.body_html,
                    new.state,
                    now.isoformat(),
                ),
            ).fetchone()
            self._bump_results()
            made = self._conn.execute(f"{_COMMENT} WHERE c.id = ?", (int(row[0]),)).fetchone()
        return _comment(made)

    def get_comment(self, comment_id: int) -> Comment | None:
        self._require_schema()
        row = self._db().execute(f"{_COMMENT} WHERE c.id = ?", (comment_id,)).fetchone()
        return None if row is None else _comment(row)

    def paper_comments(self, paper_id: str, *, viewer_id: int | None = None) -> list[Comment]:
        self._require_schema()
        db = self._db()
        # The paper's confirmed authors once, not a lookup per comment (long threads).
        authors = {
            int(r[0])
            for r in db.execute(
                "SELECT user_id FROM author_claims WHERE paper_id = ? AND confirmed_at IS NOT NULL",
                (paper_id,),
            )
        }
        rows = db.execute(
            f"{_PLAIN_COMMENT} WHERE c.paper_id = ? AND (c.state = 'visible' "
            "OR (c.state = 'held' AND c.user_id = ?)) ORDER BY c.id",
            (paper_id, -1 if viewer_id is None else viewer_id),
        )
        return [_comment((*r, int(str(r[3])) in authors)) for r in rows]

    def edit_comment(
        self, comment_id: int, *, body_md: str, body_html: str, now: datetime
    ) -> Comment | None:
        return self._update_comment(
            comment_id,
            "body_md = ?, body_html = ?, edited_at = ?",
            body_md,
            body_html,
            now.isoformat(),
        )

    def set_comment_state(self, comment_id: int, state: CommentState) -> Comment | None:
        return self._update_comment(comment_id, "state = ?", state)

    def _update_comment(self, comment_id: int, columns: str, *values: object) -> Comment | None:
        """``UPDATE comments SET {columns}`` of one comment; the comment as it is after,
        or None when there is no such comment."""
        self._require_schema()
        with self.atomic():
            changed = self._conn.execute(
                f"UPDATE comments SET {columns} WHERE id = ?", (*values, comment_id)
            ).rowcount
            if not changed:
                return None
            self._bump_results()
            row = self._conn.execute(f"{_COMMENT} WHERE c.id = ?", (comment_id,)).fetchone()
        return _comment(row)

    def count_comments(self, paper_ids: Sequence[str]) -> dict[str, int]:
        self._require_schema()
        counts: dict[str, int] = {}
        unique = list(dict.fromkeys(paper_ids))
        for start in range(0, len(unique), _CHUNK):
            chunk = unique[start : start + _CHUNK]
            for paper_id, count in self._db().execute(
                f"SELECT paper_id, count(*) FROM comments WHERE paper_id IN ({_marks(len(chunk))})"
                " AND state = 'visible' GROUP BY paper_id",
                chunk,
            ):
                counts[str(paper_id)] = int(count)
        return counts

    def user_comment_count(self, user_id: int, *, state: CommentState = "visible") -> int:
        self._require_schema()
        row = (
            self._db()
            .execute(
                "SELECT count(*) FROM comments WHERE user_id = ? AND state = ?", (user_id, state)
            )
            .fetchone()
        )
        return int(row[0])

    def comments_in_state(self, state: CommentState, *, limit: int = 200) -> list[Comment]:
        self._require_schema()
        rows = self._db().execute(
            f"{_COMMENT} WHERE c.state = ? ORDER BY c.created_at, c.id LIMIT ?", (state, limit)
        )
        return [_comment(r) for r in rows]

    def most_discussed(
        self, *, since: datetime, until: datetime, at_least: int = 1, limit: int
    ) -> list[tuple[str, int]]:
        self._require_schema()
        rows = self._db().execute(
            "SELECT paper_id, count(*) FROM comments WHERE state = 'visible' "
            "AND created_at >= ? AND created_at < ? GROUP BY paper_id HAVING count(*) >= ? "
            "ORDER BY count(*) DESC, paper_id LIMIT ?",
            (since.astimezone(UTC).isoformat(), until.astimezone(UTC).isoformat(), at_least, limit),
        )
        return [(str(p), int(n)) for p, n in rows]

    # -- votes -------------------------------------------------------------------------

    def vote_comment(self, comment_id: int, user_id: int, *, now: datetime) -> bool:
        return self._count_vote(
            comment_id,
            +1,
            "INSERT OR IGNORE INTO comment_votes (comment_id, user_id, created_at) "
            "VALUES (?, ?, ?)",
            (comment_id, user_id, now.isoformat()),
        )

    def unvote_comment(self, comment_id: int, user_id: int) -> bool:
        return self._count_vote(
            comment_id,
            -1,
            "DELETE FROM comment_votes WHERE comment_id = ? AND user_id = ?",
            (comment_id, user_id),
        )

    def _count_vote(self, comment_id: int, delta: int, sql: str, params: Sequence[object]) -> bool:
        """Add or remove the vote's row (``sql``) and, only when that changed a row, move
        the comment's ``upvotes`` by ``delta`` in the same transaction."""
        self._require_schema()
        with self.atomic():
            changed = self._conn.execute(sql, params).rowcount
            if changed:
                self._conn.execute(
                    "UPDATE comments SET upvotes = upvotes + ? WHERE id = ?", (delta, comment_id)
                )
                self._bump_results()
        return bool(changed)

    def voted_comments(self, user_id: int, comment_ids: Sequence[int]) -> set[int]:
        self._require_schema()
        found: set[int] = set()
        unique = list(dict.fromkeys(comment_ids))
        for start in range(0, len(unique), _CHUNK):
            chunk = unique[start : start + _CHUNK]
            found.update(
                int(r[0])
                for r in self._db().execute(
                    "SELECT comment_id FROM comment_votes WHERE user_id = ? "
                    f"AND comment_id IN ({_marks(len(chunk))})",
                    [user_id, *chunk],
                )
            )
        return found

    # -- reports and the curators' log -------------------------------------------------

    def add_report(self, comment_id: int, user_id: int, *, reason: str, now: datetime) -> bool:
        self._require_schema()
        with self.atomic():
            open_one = self._conn.execute(
                "SELECT resolved_at FROM comment_reports WHERE comment_id = ? AND user_id = ?",
                (comment_id, user_id),
            ).fetchone()
            if open_one is not None and open_one[0] is None:
                return False
            if open_one is not None:  # reported again after a curator's decision
                self._conn.execute(
                    "UPDATE comment_reports SET reason = ?, created_at = ?, resolved_at = NULL, "
                    "resolved_by = NULL WHERE comment_id = ? AND user_id = ?",
                    (reason, now.isoformat(), comment_id, user_id),
                )
                return True
            self._conn.execute(
                "INSERT INTO comment_reports (comment_id, user_id, reason, created_at) "
                "VALUES (?, ?, ?, ?)",
                (comment_id, user_id, reason, now.isoformat()),
            )
        return True

    def open_reports(self, *, limit: int = 200) -> list[tuple[Comment, list[Report]]]:
        self._require_schema()
        db = self._db()
        reports: dict[int, list[Report]] = {}
        for row in db.execute(
            "SELECT id, comment_id, user_id, reason, created_at FROM comment_reports "
            "WHERE resolved_at IS NULL ORDER BY created_at, id"
        ):
            created = _when(row[4])
            assert created is not None
            report = Report(int(row[0]), int(row[1]), int(row[2]), str(row[3]), created)
            reports.setdefault(report.comment_id, []).append(report)
        ids = list(reports)[:limit]
        comments: dict[int, Comment] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            for row in db.execute(f"{_COMMENT} WHERE c.id IN ({_marks(len(chunk))})", chunk):
                found = _comment(row)
                comments[found.id] = found
        return [(comments[i], reports[i]) for i in ids if i in comments]

    def resolve_reports(self, comment_id: int, *, by: int, now: datetime) -> int:
        self._require_schema()
        with self.atomic():
            return self._conn.execute(
                "UPDATE comment_reports SET resolved_at = ?, resolved_by = ? "
                "WHERE comment_id = ? AND resolved_at IS NULL",
                (now.isoformat(), by, comment_id),
            ).rowcount

    def log_moderation(self, done: CuratorAction, *, now: datetime) -> None:
        self._require_schema()
        with self.atomic():
            self._conn.execute(
                "INSERT INTO moderation_log (curator_id, curator, action, paper_id, comment_id, "
                "subject_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    done.curator_id,
                    done.curator,
                    done.action,
                    done.paper_id,
                    done.comment_id,
                    done.subject_id,
                    now.isoformat(),
                ),
            )

    def moderation_log(self, *, limit: int = 100) -> list[ModerationEntry]:
        self._require_schema()
        rows = self._db().execute(
            "SELECT id, curator_id, curator, action, paper_id, comment_id, subject_id, "
            "created_at FROM moderation_log ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        entries = []
        for row in rows:
            created = _when(row[7])
            assert created is not None
            entries.append(
                ModerationEntry(
                    id=int(row[0]),
                    curator_id=int(row[1]),
                    curator=str(row[2]),
                    action=str(row[3]),
                    paper_id=str(row[4]),
                    comment_id=None if row[5] is None else int(row[5]),
                    subject_id=None if row[6] is None else int(row[6]),
                    created_at=created,
                )
            )
        return entries

    # -- locks, follows, claims --------------------------------------------------------

    def set_thread_lock(self, paper_id: str, *, by: int | None, now: datetime) -> None:
        self._require_schema()
        with self.atomic():
            if by is None:
                self._conn.execute("DELETE FROM thread_locks WHERE paper_id = ?", (paper_id,))
            else:
                self._conn.execute(
                    "INSERT OR IGNORE INTO thread_locks (paper_id, locked_by, locked_at) "
                    "VALUES (?, ?, ?)",
                    (paper_id, by, now.isoformat()),
                )
            self._bump_results()

    def is_thread_locked(self, paper_id: str) -> bool:
        self._require_schema()
        row = (
            self._db()
            .execute("SELECT 1 FROM thread_locks WHERE paper_id = ?", (paper_id,))
            .fetchone()
        )
        return row is not None

    def follow_thread(self, user_id: int, paper_id: str, *, now: datetime) -> bool:
        self._require_schema()
        with self.atomic():
            return bool(
                self._conn.execute(
                    "INSERT OR IGNORE INTO thread_follows (user_id, paper_id, last_comment_id, "
                    "created_at) VALUES (?, ?, (SELECT coalesce(max(id), 0) FROM comments "
                    "WHERE paper_id = ?), ?)",
                    (user_id, paper_id, paper_id, now.isoformat()),
                ).rowcount
            )

    def unfollow_thread(self, user_id: int, paper_id: str) -> bool:
        self._require_schema()
        with self.atomic():
            return bool(
                self._conn.execute(
                    "DELETE FROM thread_follows WHERE user_id = ? AND paper_id = ?",
                    (user_id, paper_id),
                ).rowcount
            )

    def is_following(self, user_id: int, paper_id: str) -> bool:
        self._require_schema()
        row = (
            self._db()
            .execute(
                "SELECT 1 FROM thread_follows WHERE user_id = ? AND paper_id = ?",
                (user_id, paper_id),
            )
            .fetchone()
        )
        return row is not None

    def follow_news(self, *, limit: int = 1000) -> list[FollowNews]:
        self._require_schema()
        rows = self._db().execute(
            f"SELECT f.user_id, fu.email, {_COMMENT.removeprefix('SELECT ')} "
            "JOIN thread_follows f ON f.paper_id = c.paper_id AND c.id > f.last_comment_id "
            "AND c.user_id != f.user_id JOIN users fu ON fu.id = f.user_id "
            "WHERE c.state = 'visible' ORDER BY f.user_id, c.paper_id, c.id"
        )
        news: dict[tuple[int, str], FollowNews] = {}
        for row in rows:
            found = _comment(row[2:])
            key = (int(row[0]), found.paper_id)
            if key not in news:
                if len(news) >= limit:
                    break
                news[key] = FollowNews(int(row[0]), str(row[1]), found.paper_id, [])
            news[key].comments.append(found)
        return list(news.values())

    def mark_follow_sent(self, user_id: int, paper_id: str, last_comment_id: int) -> None:
        self._require_schema()
        with self.atomic():
            self._conn.execute(
                "UPDATE thread_follows SET last_comment_id = ? WHERE user_id = ? AND paper_id = ? "
                "AND last_comment_id < ?",
                (last_comment_id, user_id, paper_id, last_comment_id),
            )

    def claim_authorship(self, user_id: int, paper_id: str, *, now: datetime) -> bool:
        self._require_schema()
        with self.atomic():
            return bool(
                self._conn.execute(
                    "INSERT OR IGNORE INTO author_claims (user_id, paper_id, created_at) "
                    "VALUES (?, ?, ?)",
                    (user_id, paper_id, now.isoformat()),
                ).rowcount
            )

    def confirm_claim(
        self, user_id: int, paper_id: str, *, by: int, now: datetime
    ) -> AuthorClaim | None:
        self._require_schema()
        with self.atomic():
            self._conn.execute(
                "UPDATE author_claims SET confirmed_by = ?, confirmed_at = ? "
                "WHERE user_id = ? AND paper_id = ? AND confirmed_at IS NULL",
                (by, now.isoformat(), user_id, paper_id),
            )
            self._bump_results()
        return self.get_claim(user_id, paper_id)

    def withdraw_claim(self, user_id: int, paper_id: str) -> bool:
        return self._delete_claim(user_id, paper_id, "")

    def reject_claim(self, user_id: int, paper_id: str) -> bool:
        return self._delete_claim(user_id, paper_id, " AND confirmed_at IS NULL")

    def _delete_claim(self, user_id: int, paper_id: str, only: str) -> bool:
        self._require_schema()
        with self.atomic():
            removed = self._conn.execute(
                f"DELETE FROM author_claims WHERE user_id = ? AND paper_id = ?{only}",
                (user_id, paper_id),
            ).rowcount
            self._bump_results()
        return bool(removed)

    def _claims(self, where: str, params: Sequence[object], limit: int) -> list[AuthorClaim]:
        rows = self._db().execute(
            "SELECT a.user_id, u.email, a.paper_id, a.created_at, a.confirmed_at "
            f"FROM author_claims a JOIN users u ON u.id = a.user_id WHERE {where} "
            "ORDER BY a.created_at LIMIT ?",
            [*params, limit],
        )
        claims = []
        for row in rows:
            created = _when(row[3])
            assert created is not None
            claims.append(
                AuthorClaim(int(row[0]), _name(row[1]), str(row[2]), created, _when(row[4]))
            )
        return claims

    def get_claim(self, user_id: int, paper_id: str) -> AuthorClaim | None:
        self._require_schema()
        found = self._claims("a.user_id = ? AND a.paper_id = ?", (user_id, paper_id), 1)
        return found[0] if found else None

    def pending_claims(self, *, limit: int = 200) -> list[AuthorClaim]:
        self._require_schema()
        return self._claims("a.confirmed_at IS NULL", (), limit)
