"""A paper's discussion in its Atom feed and in followers' mail (the worker's job, sent to
the file transport): hostile Markdown stays inert in both, a hidden comment is in
neither, the mail's one-click unfollow works without a CSRF token."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup

from paperwire import discussion
from paperwire.accounts import User
from paperwire.discussion_mail import mail_followers, unfollow_url
from paperwire.signing import secret_key
from paperwire.store import Store
from paperwire.worker import discussion_job
from tests.auth.support import Community, make_community
from tests.test_comment_text import HOSTILE, inert

pytestmark = pytest.mark.both_backends

PAPER = "2607.00001"
OLD = datetime.now(UTC) - timedelta(days=30)


@pytest.fixture
def community(store: Store, tmp_path: Path) -> Iterator[Community]:
    made = make_community(store, tmp_path, comment_limit=1000, secret_key="k" * 40)
    yield made
    made.close()


def people(community: Community) -> tuple[User, User, User]:
    add = community.store.add_user
    return (
        add("ada@example.org", role="reader", now=OLD),
        add("bo@example.org", role="reader", now=OLD),
        add("cy@example.org", role="curator", now=OLD),
    )


def say(community: Community, user: User, body: str) -> int:
    made = discussion.post_comment(
        community.store,
        community.settings,
        user=user,
        paper_id=PAPER,
        body=body,
        now=datetime.now(UTC),
    )
    return made.id


def hide(community: Community, curator: User, comment_id: int) -> None:
    discussion.moderate(
        community.store,
        curator=curator,
        paper_id=PAPER,
        comment_id=comment_id,
        action="hide",
        now=datetime.now(UTC),
    )


def mails_to(community: Community, address: str) -> list[EmailMessage]:
    return [m for m in community.mails() if m["To"] == address]


def test_the_feed_has_the_visible_comments_newest_first(community: Community) -> None:
    ada, bo, cy = people(community)
    first = say(community, ada, "First with $x$ and [a link](https://example.org)")
    hidden = say(community, bo, "SPAM-SPAM")
    say(community, bo, "Third")
    hide(community, cy, hidden)
    answer = community.client().get(f"/feeds/discussion/{PAPER}.atom")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/atom+xml")
    assert "SPAM-SPAM" not in answer.text
    feed = feedparser.parse(answer.content)
    assert feed.bozo == 0
    assert [e.author for e in feed.entries] == ["bo", "ada"]
    assert feed.entries[1].link.endswith(f"/papers/{PAPER}#comment-{first}")
    content = feed.entries[1].content[0]
    assert content.type == "text/html"
    assert 'rel="nofollow ugc noopener"' in content.value
    etag = answer.headers["etag"]
    again = community.client().get(
        f"/feeds/discussion/{PAPER}.atom", headers={"If-None-Match": etag}
    )
    assert again.status_code == 304
    assert community.client().get("/feeds/discussion/2607.99999.atom").status_code == 404


def test_hostile_markdown_is_inert_in_the_feed_and_in_mail(community: Community) -> None:
    ada, bo, _ = people(community)
    community.store.follow_thread(ada.id, PAPER, now=datetime.now(UTC))
    for body in HOSTILE:
        say(community, bo, body)
    feed = feedparser.parse(community.client().get(f"/feeds/discussion/{PAPER}.atom").content)
    assert len(feed.entries) == len(HOSTILE)
    for entry in feed.entries:
        inert(entry.content[0].value)
    assert mail_followers(community.store, community.settings).sent == 1
    (mail,) = mails_to(community, "ada@example.org")
    html = mail.get_body(("html",))
    assert html is not None
    soup = BeautifulSoup(html.get_content(), "html.parser")
    assert not soup.select("script, img, svg, iframe, style, object, form, math")
    for body in soup.select("body > div > div"):
        inert(body.decode_contents())
    text = mail.get_body(("plain",))
    assert text is not None and "<script>alert(1)</script>" in text.get_content()  # as text


def test_followers_get_one_mail_per_run_with_the_new_comments_by_others(
    community: Community,
) -> None:
    ada, bo, cy = people(community)
    say(community, ada, "My question")  # ada follows by commenting
    assert mail_followers(community.store, community.settings).sent == 0  # her own
    say(community, bo, "First answer")
    gone = say(community, bo, "SPAM-SPAM")
    say(community, cy, "Second answer")
    hide(community, cy, gone)
    summary = discussion_job(community.settings)
    assert "mailed 2 follower(s)" in summary  # ada; bo follows too, and gets cy's answer
    (mail,) = mails_to(community, "ada@example.org")
    assert mail["Subject"] == "2 new comments: A Paper With Imported Upvotes"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "First answer" in text and "Second answer" in text and "SPAM" not in text
    assert "SPAM" not in mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    (to_bo,) = mails_to(community, "bo@example.org")
    assert "Second answer" in to_bo.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert mail_followers(community.store, community.settings).sent == 0  # nothing new


def test_the_one_click_unfollow(community: Community) -> None:
    ada, bo, _ = people(community)
    say(community, ada, "Question")
    say(community, bo, "Answer")
    mail_followers(community.store, community.settings)
    (mail,) = mails_to(community, "ada@example.org")
    link = mail["List-Unsubscribe"].strip("<>")
    key = secret_key(community.settings, community.store)
    assert link == unfollow_url(community.settings, key, ada.id, PAPER)
    client = community.client()
    path = link.removeprefix("http://testserver")
    shown = client.get(path)
    assert shown.status_code == 200 and "Stop following" in shown.text
    assert community.store.is_following(ada.id, PAPER)
    # what a mail client does: one POST, no cookies, no CSRF token
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "no longer follow" in done.text
    assert not community.store.is_following(ada.id, PAPER)
    assert client.post("/discussion/unfollow?token=forged").status_code == 400
    other = unfollow_url(community.settings, "another key" * 4, bo.id, PAPER)
    assert client.get(other.removeprefix("http://testserver")).status_code == 400
    assert community.store.is_following(bo.id, PAPER)
