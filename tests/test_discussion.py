"""The discussion under each paper (``paperwire.discussion``) on a real database, SQLite
and PostgreSQL: threads, depth, edits, holds, limits, moderation, votes and counts."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from paperwire import discussion
from paperwire.accounts import User
from paperwire.comment_text import MAX_BODY
from paperwire.config import Settings
from paperwire.discussion import (
    MAX_DEPTH,
    BadComment,
    NoSuchComment,
    NotAllowed,
    ThreadLocked,
    TooMany,
)
from paperwire.models import Paper
from paperwire.store import open_store

pytestmark = pytest.mark.both_backends

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
PAPER = "2601.00001"
OTHER = "2601.00002"


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, comment_hold_days=0, comment_limit=1000)


@pytest.fixture
def people(store) -> dict[str, User]:
    store.upsert_papers(
        [
            Paper(id=PAPER, title="A Paper", abstract="Text.", sources=["test"]),
            Paper(id=OTHER, title="Another", abstract="Text.", sources=["test"]),
        ]
    )
    old = NOW - timedelta(days=30)
    return {
        "ada": store.add_user("ada@example.org", role="reader", now=old),
        "bo": store.add_user("bo@example.org", role="reader", now=old),
        "cy": store.add_user("cy@example.org", role="curator", now=old),
        "new": store.add_user("new@example.org", role="reader", now=NOW - timedelta(hours=1)),
    }


def post(store, settings, user, body="Hello", parent=None, paper=PAPER, now=NOW):
    return discussion.post_comment(
        store, settings, user=user, paper_id=paper, body=body, parent_id=parent, now=now
    )


def test_a_comment_is_rendered_once_and_listed_with_its_author(store, settings, people):
    made = post(store, settings, people["ada"], "Nice *result*, $x^2$ <script>x</script>")
    assert made.body_md == "Nice *result*, $x^2$ <script>x</script>"
    assert made.body_html == (
        '<p>Nice <em>result</em>, <span class="math">x^2</span> &lt;script&gt;x&lt;/script&gt;</p>'
    )
    assert made.author == "ada" and made.depth == 0 and made.parent_id is None
    assert made.state == "visible" and made.upvotes == 0 and made.edited_at is None
    assert store.paper_comments(PAPER) == [made]
    assert store.count_comments([PAPER, OTHER]) == {PAPER: 1}
    assert store.is_following(people["ada"].id, PAPER)


def test_replies_deeper_than_the_limit_go_beside_the_deepest(store, settings, people):
    parent = None
    chain = []
    for level in range(MAX_DEPTH + 2):
        made = post(store, settings, people["ada"], f"level {level}", parent=parent)
        chain.append(made)
        parent = made.id
    assert [c.depth for c in chain] == [0, 1, 2, 3, 4, 4, 4]
    assert chain[5].parent_id == chain[3].id  # beside the level-5 comment, not under it
    assert chain[6].parent_id == chain[4].parent_id == chain[3].id
    entries = discussion.thread(store.paper_comments(PAPER), "time")
    assert [e.level for e in entries] == [0, 1, 2, 3, 4, 4, 4]


def test_a_reply_needs_a_visible_comment_of_the_same_paper(store, settings, people):
    other = post(store, settings, people["ada"], paper=OTHER)
    with pytest.raises(NoSuchComment):
        post(store, settings, people["bo"], parent=other.id)
    with pytest.raises(NoSuchComment):
        post(store, settings, people["bo"], parent=999_999)


@pytest.mark.parametrize("body", ["", "   \n\t ", "\x00\x01"])
def test_an_empty_comment_is_refused(store, settings, people, body):
    with pytest.raises(BadComment, match="empty"):
        post(store, settings, people["ada"], body)


def test_a_comment_over_the_size_limit_is_refused(store, settings, people):
    post(store, settings, people["ada"], "x" * MAX_BODY)
    with pytest.raises(BadComment, match="at most 10,000 characters"):
        post(store, settings, people["ada"], "x" * (MAX_BODY + 1))
    with pytest.raises(BadComment, match="at most"):
        post(store, settings, people["ada"], "x" * 1_000_000)
    assert store.count_comments([PAPER]) == {PAPER: 1}


def test_the_author_edits_within_the_window_and_it_shows_edited(store, settings, people):
    made = post(store, settings, people["ada"], "first")
    later = NOW + timedelta(minutes=settings.comment_edit_minutes)
    edited = discussion.edit_comment(
        store, settings, user=people["ada"], paper_id=PAPER, comment_id=made.id,
        body="second [link](https://example.org)", now=later,
    )  # fmt: skip
    assert edited.body_md.startswith("second") and "nofollow ugc noopener" in edited.body_html
    assert edited.edited_at == later
    with pytest.raises(NotAllowed, match="within 30 minutes"):
        discussion.edit_comment(
            store, settings, user=people["ada"], paper_id=PAPER, comment_id=made.id,
            body="third", now=later + timedelta(seconds=1),
        )  # fmt: skip
    with pytest.raises(NotAllowed, match="author"):
        discussion.edit_comment(
            store, settings, user=people["bo"], paper_id=PAPER, comment_id=made.id,
            body="mine now", now=NOW,
        )  # fmt: skip


def test_deleting_hides_everywhere_and_replies_stay_under_a_removed_comment(
    store, settings, people
):
    top = post(store, settings, people["ada"], "top")
    reply = post(store, settings, people["bo"], "reply", parent=top.id)
    with pytest.raises(NotAllowed):
        discussion.delete_comment(
            store, user=people["bo"], paper_id=PAPER, comment_id=top.id, now=NOW
        )
    discussion.delete_comment(store, user=people["ada"], paper_id=PAPER, comment_id=top.id, now=NOW)
    assert [c.id for c in store.paper_comments(PAPER)] == [reply.id]
    assert store.count_comments([PAPER]) == {PAPER: 1}
    (entry,) = discussion.thread(store.paper_comments(PAPER))
    assert entry.parent_removed and entry.level == 0
    with pytest.raises(NoSuchComment):
        post(store, settings, people["bo"], "to the deleted one", parent=top.id)


def test_curators_hide_restore_and_every_action_is_logged(store, settings, people):
    made = post(store, settings, people["ada"], "spam")
    assert discussion.report(
        store, user=people["bo"], paper_id=PAPER, comment_id=made.id, reason="spam", now=NOW
    )
    assert not discussion.report(
        store, user=people["bo"], paper_id=PAPER, comment_id=made.id, reason="again", now=NOW
    )
    ((reported, reports),) = store.open_reports()
    assert reported.id == made.id and [r.reason for r in reports] == ["spam"]
    with pytest.raises(NotAllowed):
        discussion.moderate(
            store, curator=people["bo"], paper_id=PAPER, comment_id=made.id, action="hide", now=NOW
        )
    hidden = discussion.moderate(
        store, curator=people["cy"], paper_id=PAPER, comment_id=made.id, action="hide", now=NOW
    )
    assert hidden.state == "hidden"
    assert store.paper_comments(PAPER) == [] and store.count_comments([PAPER]) == {}
    assert store.paper_comments(PAPER, viewer_id=people["ada"].id) == []
    assert store.open_reports() == []
    later = NOW + timedelta(minutes=1)
    discussion.moderate(
        store, curator=people["cy"], paper_id=PAPER, comment_id=made.id, action="restore", now=later
    )
    assert store.count_comments([PAPER]) == {PAPER: 1}
    discussion.set_lock(store, curator=people["cy"], paper_id=PAPER, locked=True, now=later)
    log = store.moderation_log()
    assert [(e.action, e.curator, e.comment_id) for e in log] == [
        ("lock", "cy", None),
        ("restore", "cy", made.id),
        ("hide", "cy", made.id),
    ]
    assert log[0].created_at == later and log[2].created_at == NOW


def test_a_locked_thread_takes_nothing_new_but_from_curators(store, settings, people):
    made = post(store, settings, people["ada"], "before")
    discussion.set_lock(store, curator=people["cy"], paper_id=PAPER, locked=True, now=NOW)
    with pytest.raises(ThreadLocked):
        post(store, settings, people["bo"], "after")
    with pytest.raises(ThreadLocked):
        post(store, settings, people["bo"], "a reply", parent=made.id)
    with pytest.raises(ThreadLocked):
        discussion.vote(
            store, settings, user=people["bo"], paper_id=PAPER, comment_id=made.id, up=True,
            now=NOW,
        )  # fmt: skip
    post(store, settings, people["cy"], "closing note")
    discussion.set_lock(store, curator=people["cy"], paper_id=PAPER, locked=False, now=NOW)
    post(store, settings, people["bo"], "open again")
    assert store.count_comments([PAPER]) == {PAPER: 3}


def test_a_new_accounts_first_comment_waits_for_a_curator(store, db_url, people):
    settings = Settings(database_url=db_url, comment_hold_days=1)
    held = post(store, settings, people["new"], "first words")
    assert held.state == "held"
    assert store.paper_comments(PAPER) == []
    assert [c.id for c in store.paper_comments(PAPER, viewer_id=people["new"].id)] == [held.id]
    assert store.count_comments([PAPER]) == {}
    assert [c.id for c in store.comments_in_state("held")] == [held.id]
    discussion.moderate(
        store, curator=people["cy"], paper_id=PAPER, comment_id=held.id, action="approve", now=NOW
    )
    assert post(store, settings, people["new"], "second").state == "visible"
    assert post(store, settings, people["ada"], "old account").state == "visible"
    assert store.count_comments([PAPER]) == {PAPER: 3}


def test_the_comment_limit_counts_per_reader(store, db_url, people):
    settings = Settings(database_url=db_url, comment_hold_days=0, comment_limit=3)
    for n in range(3):
        post(store, settings, people["ada"], f"comment {n}")
    with pytest.raises(TooMany) as refused:
        post(store, settings, people["ada"], "one more")
    assert refused.value.retry_after >= 1 and "at most 3" in str(refused.value)
    post(store, settings, people["bo"], "someone else")
    later = NOW + timedelta(seconds=settings.comment_limit_window + 1)
    post(store, settings, people["ada"], "later", now=later)
    assert store.count_comments([PAPER]) == {PAPER: 5}


def test_votes_are_one_per_reader_and_sort_the_thread(store, settings, people):
    first = post(store, settings, people["ada"], "first")
    second = post(store, settings, people["bo"], "second")
    for _ in range(2):
        after, up = discussion.vote(
            store, settings, user=people["ada"], paper_id=PAPER, comment_id=second.id, up=True,
            now=NOW,
        )  # fmt: skip
    assert after.upvotes == 1 and up
    assert store.voted_comments(people["ada"].id, [first.id, second.id]) == {second.id}
    by_votes = discussion.thread(store.paper_comments(PAPER), "votes")
    assert [e.comment.id for e in by_votes] == [second.id, first.id]
    by_time = discussion.thread(store.paper_comments(PAPER), "time")
    assert [e.comment.id for e in by_time] == [first.id, second.id]
    after, up = discussion.vote(
        store, settings, user=people["ada"], paper_id=PAPER, comment_id=second.id, up=False,
        now=NOW,
    )  # fmt: skip
    assert after.upvotes == 0 and not up


def test_concurrent_votes_and_replies_are_counted_exactly(db_url, store, settings, people):
    top = post(store, settings, people["ada"], "vote here")
    voters = [
        store.add_user(f"voter{n}@example.org", role="reader", now=NOW - timedelta(days=9))
        for n in range(12)
    ]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(voters))

    def work(user: User) -> None:
        own = open_store(db_url)
        try:
            barrier.wait()
            for _ in range(3):  # repeated votes count once
                own.vote_comment(top.id, user.id, now=NOW)
            discussion.post_comment(
                own, settings, user=user, paper_id=PAPER, body=f"reply of {user.email}",
                parent_id=top.id, now=NOW,
            )  # fmt: skip
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=work, args=(u,)) for u in voters]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    found = store.get_comment(top.id)
    assert found is not None and found.upvotes == len(voters)
    assert store.count_comments([PAPER]) == {PAPER: 1 + len(voters)}
    replies = [c for c in store.paper_comments(PAPER) if c.parent_id == top.id]
    assert len(replies) == len(voters)


def test_authors_claim_and_a_curator_confirms(store, settings, people):
    assert store.claim_authorship(people["ada"].id, PAPER, now=NOW)
    assert not store.claim_authorship(people["ada"].id, PAPER, now=NOW)
    made = post(store, settings, people["ada"], "I wrote it")
    assert not made.is_paper_author
    assert [c.author for c in store.pending_claims()] == ["ada"]
    with pytest.raises(NotAllowed):
        discussion.confirm_author(
            store, curator=people["bo"], user_id=people["ada"].id, paper_id=PAPER, now=NOW
        )
    claim = discussion.confirm_author(
        store, curator=people["cy"], user_id=people["ada"].id, paper_id=PAPER, now=NOW
    )
    assert claim.confirmed_at == NOW and store.pending_claims() == []
    (shown,) = store.paper_comments(PAPER)
    assert shown.is_paper_author
    assert store.moderation_log()[0].action == "confirm"


def test_a_curator_rejects_a_waiting_claim_and_it_is_logged(store, settings, people):
    ada, bo, cy = people["ada"], people["bo"], people["cy"]
    assert store.claim_authorship(ada.id, PAPER, now=NOW)
    assert store.claim_authorship(bo.id, PAPER, now=NOW)
    with pytest.raises(NotAllowed):
        discussion.reject_author(store, curator=bo, user_id=ada.id, paper_id=PAPER, now=NOW)
    later = NOW + timedelta(minutes=5)
    discussion.reject_author(store, curator=cy, user_id=ada.id, paper_id=PAPER, now=later)
    assert store.get_claim(ada.id, PAPER) is None
    assert [c.author for c in store.pending_claims()] == ["bo"]
    made = post(store, settings, ada, "I wrote it, really")
    assert not made.is_paper_author
    (entry,) = store.moderation_log()
    assert (entry.action, entry.curator, entry.curator_id) == ("reject", "cy", cy.id)
    assert (entry.paper_id, entry.subject_id, entry.comment_id) == (PAPER, ada.id, None)
    assert entry.created_at == later
    # Nothing waits any more: a second decision is refused and not logged.
    with pytest.raises(NoSuchComment, match="no claim"):
        discussion.reject_author(store, curator=cy, user_id=ada.id, paper_id=PAPER, now=later)
    # A confirmed claim is not taken back by a rejection.
    discussion.confirm_author(store, curator=cy, user_id=bo.id, paper_id=PAPER, now=later)
    with pytest.raises(NoSuchComment):
        discussion.reject_author(store, curator=cy, user_id=bo.id, paper_id=PAPER, now=later)
    assert store.get_claim(bo.id, PAPER).confirmed_at == later
    assert [e.action for e in store.moderation_log()] == ["confirm", "reject"]
    # The reader may claim again; it waits for a curator as before.
    assert store.claim_authorship(ada.id, PAPER, now=later)
    assert [c.author for c in store.pending_claims()] == ["ada"]


def test_followers_get_new_comments_by_others_once(store, settings, people):
    post(store, settings, people["ada"], "mine")  # ada follows by posting
    assert store.follow_news() == []
    assert store.follow_thread(people["bo"].id, PAPER, now=NOW)
    reply = post(store, settings, people["bo"], "a reply")
    hidden = post(store, settings, people["bo"], "hidden soon")
    discussion.moderate(
        store, curator=people["cy"], paper_id=PAPER, comment_id=hidden.id, action="hide", now=NOW
    )
    news = store.follow_news()
    assert [(n.email, [c.id for c in n.comments]) for n in news] == [
        ("ada@example.org", [reply.id])
    ]
    store.mark_follow_sent(people["ada"].id, PAPER, reply.id)
    assert store.follow_news() == []
    assert store.unfollow_thread(people["ada"].id, PAPER)
    post(store, settings, people["bo"], "nobody hears")
    assert store.follow_news() == []


def test_most_discussed_counts_the_visible_comments_written_in_the_period(store, db_url, people):
    settings = Settings(database_url=db_url, comment_hold_days=1, comment_limit=1000)
    until = NOW + timedelta(days=1)
    for n in range(3):  # PAPER: three visible in the period, one of them a reply
        post(store, settings, people["ada"], f"on paper {n}", now=NOW + timedelta(minutes=n))
    post(store, settings, people["bo"], "a reply", parent=store.paper_comments(PAPER)[0].id)
    for n in range(3):  # OTHER: two visible, and a hidden, a deleted and a held one
        post(store, settings, people["bo"], f"on other {n}", paper=OTHER)
    hidden, deleted = store.paper_comments(OTHER)[:2]
    discussion.moderate(
        store, curator=people["cy"], paper_id=OTHER, comment_id=hidden.id, action="hide", now=NOW
    )
    discussion.delete_comment(
        store, user=people["bo"], paper_id=OTHER, comment_id=deleted.id, now=NOW
    )
    post(store, settings, people["bo"], "again", paper=OTHER)
    assert post(store, settings, people["new"], "held", paper=OTHER).state == "held"
    # Before the period and from its end on: not counted.
    post(store, settings, people["ada"], "early", paper=OTHER, now=NOW - timedelta(seconds=1))
    post(store, settings, people["ada"], "late", paper=OTHER, now=until)

    assert store.most_discussed(since=NOW, until=until, limit=10) == [(PAPER, 4), (OTHER, 2)]
    assert store.most_discussed(since=NOW, until=until, at_least=3, limit=10) == [(PAPER, 4)]
    assert store.most_discussed(since=NOW, until=until, limit=1) == [(PAPER, 4)]
    assert store.most_discussed(since=until, until=until + timedelta(days=1), limit=10) == [
        (OTHER, 1)
    ]
    wide = store.most_discussed(since=NOW - timedelta(days=1), until=until + timedelta(1), limit=9)
    assert wide == [(PAPER, 4), (OTHER, 4)]  # as many: by paper id
