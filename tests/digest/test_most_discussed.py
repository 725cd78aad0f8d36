"""The "Most discussed" section of digests: the papers with the most visible comments
written in the digest's period, composed, rendered and sent through a real SMTP server,
on SQLite and PostgreSQL. Hidden, held and deleted comments do not count; comments
outside the period do not count; a section with nothing in it is not shown."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from paperwire import discussion
from paperwire.accounts import User
from paperwire.config import Settings
from paperwire.digest.compose import MOST_DISCUSSED, Composer, daily_period, weekly_period
from paperwire.digest.outbox import compose_outbox
from paperwire.digest.send import send_outbox
from paperwire.models import Author, FeedDate, Paper
from paperwire.store import Store
from paperwire.store.base_digests import Preferences, Subscriber
from tests.mail.smtp_server import SMTPServer

pytestmark = pytest.mark.both_backends

DAY = date(2026, 7, 1)
BASE = "http://paperwire.test"
#: Papers of the day (A, C, D, E, H), and B, announced a month before.
A, B, C, D, E, H = (
    "2607.00001",
    "2606.00002",
    "2607.00003",
    "2607.00004",
    "2607.00005",
    "2607.00006",
)


def paper(pid: str, day: date, category: str = "cs.LG") -> Paper:
    when = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=12)
    return Paper(
        id=pid,
        version=1,
        title=f"Paper {pid}",
        abstract=f"What paper {pid} is about. It shows a result.",
        authors=[Author("Ada Lovelace")],
        categories=[category],
        published_at=when,
        feed_dates=[FeedDate(day, "arxiv")],
        sources=["test"],
    )


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@dataclass
class Discussed:
    store: Store
    values: dict[str, object]
    readers: list[User]
    curator: User
    newcomer: User

    def settings(self, **overrides: object) -> Settings:
        return Settings(**(self.values | overrides))  # type: ignore[arg-type]

    def say(self, pid: str, n: int, when: datetime, *, by: User | None = None) -> list[int]:
        made = []
        for i in range(n):
            user = by or self.readers[i % len(self.readers)]
            comment = discussion.post_comment(
                self.store,
                self.settings(),
                user=user,
                paper_id=pid,
                body=f"comment {i} on {pid}",
                now=when + timedelta(minutes=i),
            )
            made.append(comment.id)
        return made

    def hide(self, pid: str, ids: list[int]) -> None:
        for cid in ids:
            discussion.moderate(
                self.store,
                curator=self.curator,
                paper_id=pid,
                comment_id=cid,
                action="hide",
                now=at(20),
            )

    def subscribe(self, email: str, prefs: Preferences) -> Subscriber:
        self.store.add_subscribers([(email, prefs)], now=at(6))
        found = self.store.subscriber_by_email(email)
        assert found is not None
        return found


@pytest.fixture
def discussed(store: Store, tmp_path: Path) -> Iterator[Discussed]:
    values: dict[str, object] = {
        "database_url": store.url,
        "base_url": BASE,
        "secret_key": "test-secret-key-for-digests",
        "smtp_url": f"file://{tmp_path / 'outbox'}",
        "digest_send_rate": 0,
        "smtp_timeout": 5,
        "comment_limit": 1000,
        "comment_hold_days": 1,
    }
    store.upsert_papers(
        [paper(A, DAY), paper(B, date(2026, 6, 1)), paper(C, DAY), paper(D, DAY), paper(E, DAY)]
        + [paper(H, DAY, "hep-th")]
    )
    old = datetime(2026, 1, 1, tzinfo=UTC)
    readers = [store.add_user(f"r{i}@example.org", role="reader", now=old) for i in range(4)]
    curator = store.add_user("cy@example.org", role="curator", now=old)
    newcomer = store.add_user("new@example.org", role="reader", now=at(0))
    made = Discussed(store, values, readers, curator, newcomer)

    # A: 4 visible comments that day, and 2 hidden, 1 deleted, 1 held (none of them count).
    made.say(A, 4, at(9))
    made.hide(A, made.say(A, 2, at(10)))
    [gone] = made.say(A, 1, at(11), by=readers[0])
    discussion.delete_comment(store, user=readers[0], paper_id=A, comment_id=gone, now=at(11, 5))
    [held] = made.say(A, 1, at(12), by=newcomer)
    assert store.get_comment(held).state == "held"  # type: ignore[union-attr]
    # B, a paper of another day: 3 visible comments that day, one of them a reply.
    first = made.say(B, 2, at(8))
    discussion.post_comment(
        store,
        made.settings(),
        user=readers[3],
        paper_id=B,
        body="a reply",
        parent_id=first[0],
        now=at(13),
    )
    # C: 2 visible; 3 more hidden (counted, they would put it first).
    made.say(C, 2, at(14))
    made.hide(C, made.say(C, 3, at(15)))
    # D: 1 comment that day; 5 in the minutes before it began and 5 from the midnight it
    # ended (none of them that day's).
    made.say(D, 1, at(16))
    made.say(D, 5, at(23, 55, date(2026, 6, 30)))
    made.say(D, 5, at(0, 0, date(2026, 7, 2)))
    # E: 1 visible and 2 hidden that day: one visible comment is no discussion.
    made.say(E, 1, at(17))
    made.hide(E, made.say(E, 2, at(18)))
    yield made


def received(smtp_server: SMTPServer, email: str) -> EmailMessage:
    [mail] = [r.parse() for r in smtp_server.received if r.rcpt_tos == [email]]
    return mail


def section(mail: EmailMessage, heading: str) -> tuple[list[tuple[str, str, str]], str]:
    """The cards under ``heading`` in the HTML part: (title, reason, the first link of
    its links line), and the text part's lines of that section."""
    part = mail.get_body(("html",))
    text_part = mail.get_body(("plain",))
    assert part is not None and text_part is not None
    soup = BeautifulSoup(part.get_content(), "html.parser")
    [h2] = [h for h in soup.find_all("h2") if h.get_text() == heading]
    cards = []
    for sibling in h2.find_next_siblings():
        if sibling.name == "h2" or "footer" in (sibling.get("class") or []):
            break
        title = sibling.select_one(".title").get_text()
        reason = sibling.select_one(".reason").get_text()
        link = sibling.select_one(".links a")
        cards.append((title, reason, f"{link.get_text()} {link['href']}"))
    text = text_part.get_content().replace("\r\n", "\n").split("\n--\n", 1)[0]
    pieces = re.split(r"\n([^\n]+)\n-+\n", text)  # before, heading, its lines, heading, ...
    texts = dict(zip(pieces[1::2], pieces[2::2], strict=True))
    return cards, texts[heading]


def headings(mail: EmailMessage) -> list[str]:
    part = mail.get_body(("html",))
    assert part is not None
    soup = BeautifulSoup(part.get_content(), "html.parser")
    return [h.get_text() for h in soup.find_all("h2")]


def test_a_daily_digest_lists_the_most_discussed_papers_of_its_day(
    discussed: Discussed, smtp_server: SMTPServer
) -> None:
    settings = discussed.settings(smtp_url=smtp_server.url)
    ada = discussed.subscribe("ada@example.org", Preferences("daily", [], []))
    lee = discussed.subscribe("lee@example.org", Preferences("daily", ["hep-th"], []))
    report = compose_outbox(
        discussed.store, settings, period=daily_period(DAY), subscribers=[ada, lee]
    )
    assert report.composed == 2
    assert send_outbox(discussed.store, settings).sent == 2

    mail = received(smtp_server, ada.email)
    assert headings(mail) == [MOST_DISCUSSED, "New papers"]
    cards, text = section(mail, MOST_DISCUSSED)
    page = f"{BASE}/papers/"
    assert cards == [
        (f"Paper {A}", "4 comments on Jul 1", f"Read the discussion {page}{A}#discussion"),
        (f"Paper {B}", "3 comments on Jul 1", f"Read the discussion {page}{B}#discussion"),
        (f"Paper {C}", "2 comments on Jul 1", f"Read the discussion {page}{C}#discussion"),
    ]
    for pid, count in ((A, 4), (B, 3), (C, 2)):
        assert f"  {count} comments on Jul 1\n" in text and f"  {page}{pid}#discussion\n" in text
    assert D not in text and E not in text
    # Each paper once in the digest: the day's papers the section lists are not listed
    # again under "New papers", whose cards link to the paper page as before.
    new_papers, _ = section(mail, "New papers")
    assert sorted(c[0] for c in new_papers) == [f"Paper {p}" for p in (D, E, H)]
    assert all(c[2].startswith("Read on paperwire ") for c in new_papers)
    assert discussed.store.sent_papers([ada.id])[ada.id] >= {A, B, C}

    # A subscriber of hep-th: no discussed paper is in their categories, so no section.
    mail = received(smtp_server, lee.email)
    assert headings(mail) == ["New in hep-th"]
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert MOST_DISCUSSED not in text and "#discussion" not in text


def test_a_weekly_digest_counts_the_comments_of_its_week(
    discussed: Discussed, smtp_server: SMTPServer
) -> None:
    settings = discussed.settings(smtp_url=smtp_server.url)
    bo = discussed.subscribe("bo@example.org", Preferences("weekly", [], []))
    week = weekly_period(DAY)  # 2026-06-29 to 2026-07-05: D's eleven comments are in it
    assert compose_outbox(discussed.store, settings, period=week, subscribers=[bo]).composed == 1
    assert send_outbox(discussed.store, settings).sent == 1
    cards, text = section(received(smtp_server, bo.email), MOST_DISCUSSED)
    assert [(title, reason) for title, reason, _ in cards] == [
        (f"Paper {D}", "11 comments this week"),
        (f"Paper {A}", "4 comments this week"),
        (f"Paper {B}", "3 comments this week"),
        (f"Paper {C}", "2 comments this week"),
    ]
    assert "11 comments this week" in text


def test_the_section_keeps_to_its_size_and_skips_papers_sent_before(
    discussed: Discussed,
) -> None:
    ada = discussed.subscribe("ada@example.org", Preferences("daily", [], []))
    day = daily_period(DAY)

    def listed(settings: Settings, sent: frozenset[str] = frozenset()) -> list[str]:
        digest = Composer(discussed.store, settings, day, use_index=False).compose(ada, sent)
        assert digest is not None
        return [i.paper.id for g in digest.groups if g.is_discussion for i in g.items]

    assert listed(discussed.settings()) == [A, B, C]
    assert listed(discussed.settings(), frozenset({B})) == [A, C]
    assert listed(discussed.settings(digest_most_discussed=2)) == [A, B]
    assert listed(discussed.settings(digest_most_discussed=0)) == []
    # Hiding one of C's two comments takes it out of the section.
    first = discussed.store.paper_comments(C)[0].id
    discussed.hide(C, [first])
    assert listed(discussed.settings()) == [A, B]
