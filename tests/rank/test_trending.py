"""The trending score on a real SQLite store: windows, ``at``, reasons, curation, the
stored rankings. Upvotes and submissions are written as the accounts area's tables
define them (contract columns), through a second SQLite connection."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta

import pytest

from paperwire.config import Settings
from paperwire.models import FeedDate, Paper, Scored
from paperwire.rank.jobs import run_rank
from paperwire.rank.score import decay, star_velocity
from paperwire.rank.trending import is_ranked, trending_scores
from paperwire.store import Store
from paperwire.store.base_rank import RepoState

pytestmark = pytest.mark.both_backends

AT = date(2026, 6, 12)


def _at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _paper(pid: str, day: date, *, upvotes: int | None = None, repo: str | None = None) -> Paper:
    return Paper(
        id=pid,
        title=f"Paper {pid}",
        upvotes=upvotes,
        github_repo=f"https://github.com/{repo}" if repo else None,
        feed_dates=[FeedDate(day, "hf-daily")],
    )


def _sql(store: Store) -> sqlite3.Connection:
    conn = sqlite3.connect(store.url.removeprefix("sqlite:///"), isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn


def _upvote(store: Store, paper_id: str, when: datetime, user: int) -> None:
    with _sql(store) as conn:
        conn.execute(
            "INSERT OR IGNORE INTO users (id, email, role, created_at) VALUES (?, ?, 'reader', ?)",
            (user, f"u{user}@example.org", when.isoformat()),
        )
        conn.execute(
            "INSERT INTO upvotes (user_id, paper_id, created_at) VALUES (?, ?, ?)",
            (user, paper_id, when.isoformat()),
        )


def _submission(store: Store, paper_id: str, **flags: int) -> None:
    with _sql(store) as conn:
        conn.execute(
            "INSERT INTO submissions (paper_id, user_id, day, submitted_at, by_curator, pinned, "
            "hidden) VALUES (?, NULL, ?, ?, ?, ?, ?)",
            (
                paper_id,
                AT.isoformat(),
                _at(AT).isoformat(),
                flags.get("by_curator", 0),
                flags.get("pinned", 0),
                flags.get("hidden", 0),
            ),
        )


def _stars(store: Store, paper_id: str, repo: str, points: list[tuple[datetime, int]]) -> None:
    for when, stars in points:
        store.record_repo(
            RepoState(repo, None, stars, 200, when), paper_ids=[paper_id], observed_at=when
        )


def _ranked(store: Store, **kwargs: object) -> list[tuple[Paper, Scored]]:
    """Run the ranking job for the asked (window, day), then read what it stored."""
    settings = kwargs.get("settings") or Settings()
    window = str(kwargs.get("window", "week"))
    run_rank(store, settings, at=kwargs.get("at"), windows=(window,))  # type: ignore[arg-type]
    return trending_scores(store, **kwargs)  # type: ignore[arg-type]


def _ids(store: Store, **kwargs: object) -> list[str]:
    return [p.id for p, _ in _ranked(store, **kwargs)]


def _reasons(store: Store, **kwargs: object) -> dict[str, str]:
    return {p.id: s.reason for p, s in _ranked(store, **kwargs)}


def test_star_velocity_from_history() -> None:
    since, until = _at(AT, 0) - timedelta(days=6), _at(AT, 0) + timedelta(days=1)
    history = [
        (since - timedelta(days=2), 100),
        (since + timedelta(days=1), 400),
        (until - timedelta(hours=1), 440),
    ]
    v = star_velocity(history, since=since, until=until, half_life_days=0)
    assert v.gained == 340 and v.stars == 440
    assert v.per_day == pytest.approx(
        340 / ((history[2][0] - history[0][0]).total_seconds() / 86400)
    )
    # Weighting recent intervals more lowers the rate when the gains were early.
    assert star_velocity(history, since=since, until=until, half_life_days=1).per_day < v.per_day
    assert star_velocity(history[:1], since=since, until=until, half_life_days=0).gained == 0
    assert decay(2.0, 2.0) == 0.5 and decay(5.0, 0) == 1.0


def test_windows_and_reasons(store: Store) -> None:
    store.upsert_papers(
        [
            _paper("2606.00001", AT, upvotes=12),
            _paper("2606.00002", AT - timedelta(days=3), upvotes=100),
            _paper("2606.00003", AT - timedelta(days=20), upvotes=500),
            _paper("2606.00004", AT - timedelta(days=40), upvotes=900),
        ]
    )
    assert _ids(store, window="day", at=AT) == ["2606.00001"]
    assert _reasons(store, window="day", at=AT) == {"2606.00001": "12 upvotes today"}
    assert _ids(store, window="week", at=AT) == ["2606.00002", "2606.00001"]
    # Half-lives scale with the window: in the month's (9 days for upvotes), 500 upvotes of
    # 20 days ago still count for more than 12 of today.
    assert _ids(store, window="month", at=AT) == ["2606.00002", "2606.00003", "2606.00001"]
    assert _reasons(store, window="month", at=AT)["2606.00003"] == "500 upvotes this month"
    # Without ``at``: the latest day with papers.
    assert _ids(store, window="day") == ["2606.00001"]
    with pytest.raises(ValueError, match="window"):
        trending_scores(store, window="year")


@pytest.mark.sqlite_only  # reads the SQLite file itself
def test_at_counts_only_what_was_known(store: Store) -> None:
    store.upsert_papers(
        [
            _paper("2606.00001", AT - timedelta(days=1), repo="a/one"),
            _paper("2606.00002", AT + timedelta(days=1)),
        ]
    )
    _upvote(store, "2606.00001", _at(AT), user=1)
    _upvote(store, "2606.00001", _at(AT + timedelta(days=1)), user=2)
    _stars(
        store,
        "2606.00001",
        "a/one",
        [(_at(AT - timedelta(days=3)), 10), (_at(AT), 350), (_at(AT + timedelta(days=2)), 9000)],
    )
    reasons = _reasons(store, window="week", at=AT)
    assert reasons == {"2606.00001": "1 upvote this week, +340 stars this week"}
    later = _reasons(store, window="week", at=AT + timedelta(days=2))
    assert later["2606.00001"] == "2 upvotes this week, +8990 stars this week"
    assert "2606.00002" in later


def test_stars_and_upvotes_order_by_their_weights(store: Store) -> None:
    store.upsert_papers(
        [_paper("2606.00001", AT, upvotes=30), _paper("2606.00002", AT, repo="b/two")]
    )
    _stars(store, "2606.00002", "b/two", [(_at(AT, 1), 0), (_at(AT, 23), 5000)])
    by_votes = Settings(trending_star_weight=0.0)
    by_stars = Settings(trending_upvote_weight=0.0)
    assert _ids(store, window="day", at=AT, settings=by_votes) == ["2606.00001", "2606.00002"]
    assert _ids(store, window="day", at=AT, settings=by_stars) == ["2606.00002", "2606.00001"]


@pytest.mark.sqlite_only  # reads the SQLite file itself
def test_curation_pinned_first_hidden_never(store: Store) -> None:
    store.upsert_papers(
        [
            _paper("2606.00001", AT, upvotes=50),
            _paper("2606.00002", AT),
            _paper("2606.00003", AT, upvotes=99),
            _paper("2606.00004", AT),
            _paper("2606.00005", AT),
        ]
    )
    _submission(store, "2606.00002", pinned=1)
    _submission(store, "2606.00003", hidden=1)
    _submission(store, "2606.00004", by_curator=1)
    ranked = _ranked(store, window="day", at=AT)
    assert [p.id for p, _ in ranked] == ["2606.00002", "2606.00001", "2606.00004", "2606.00005"]
    assert ranked[0][1].reason == "pinned by a curator"
    assert ranked[2][1].reason == "submitted by a curator"
    assert ranked[2][1].score > ranked[3][1].score


@pytest.mark.sqlite_only  # reads the SQLite file itself
def test_works_without_the_accounts_tables(store: Store) -> None:
    store.upsert_papers([_paper("2606.00001", AT, upvotes=3)])
    with _sql(store) as conn:
        conn.execute("DROP TABLE upvotes")
        conn.execute("DROP TABLE submissions")
    assert _reasons(store, window="day", at=AT) == {"2606.00001": "3 upvotes today"}
    assert run_rank(store, Settings(), at=AT).startswith("ranked papers as of 2026-06-12")


@pytest.mark.sqlite_only  # reads the SQLite file itself
def test_job_stores_rankings_that_readers_use(store: Store) -> None:
    store.upsert_papers([_paper("2606.00001", AT, upvotes=2), _paper("2606.00002", AT, upvotes=1)])
    summary = run_rank(store, Settings())
    assert summary == "ranked papers as of 2026-06-12: day 2, week 2, month 2"
    assert store.latest_trending_day("week") == AT
    # Readers see the stored ranking until the job runs again...
    for user in range(5):
        _upvote(store, "2606.00002", _at(AT, 15), user=user + 10)
    assert [p.id for p, _ in trending_scores(store, window="day", at=AT)] == [
        "2606.00001",
        "2606.00002",
    ]
    # ...another day, never ranked, is empty for readers (nothing is ranked on request)...
    later = AT + timedelta(days=1)
    assert trending_scores(store, window="week", at=later) == []
    assert not is_ranked(store, window="week", at=later) and is_ranked(store, window="week", at=AT)
    assert store.stored_trending(window="week", at=later, limit=1) is None
    # ...unless a command asks for it to be computed (``paperwire trending --at``).
    computed = trending_scores(store, window="week", at=later, compute=True)
    assert [p.id for p, _ in computed] == ["2606.00002", "2606.00001"]
    assert store.stored_trending(window="week", at=later, limit=1) is None  # not stored
    run_rank(store, Settings(), at=AT)
    ranked = trending_scores(store, window="day", at=AT, limit=1, offset=0)
    assert [(p.id, s.reason) for p, s in ranked] == [("2606.00002", "6 upvotes today")]
    assert [p.id for p, _ in trending_scores(store, window="day", at=AT, limit=5, offset=1)] == [
        "2606.00001"
    ]
