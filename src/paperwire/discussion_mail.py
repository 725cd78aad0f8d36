"""Mail to readers who follow a paper's discussion: the new comments by others, batched.

``mail_followers`` (the worker's ``discussion`` job, ``worker_discussion_cron``) asks the
store for every followed discussion with visible comments by others newer than the last
one mailed (``follow_news``), sends one message per reader and discussion holding all of
them, oldest first, and then moves that follow's checkpoint to the newest comment sent.
A run that stops (a crash, an SMTP failure) sends the rest next time; a message whose
send failed is not marked, so it is sent again (at most one repeat after a crash
between sending and marking).

Each message has a text part (the comments' Markdown as written: plain text) and an
HTML part (the comments' stored HTML, sanitised when written, in a page of our own with
the paper's title escaped), and the one-click unsubscribe of RFC 8058 for that
discussion: ``List-Unsubscribe`` names ``/discussion/unfollow?token=...``, a token
signed for the purpose ``unfollow`` holding the reader and the paper, and
``List-Unsubscribe-Post`` says one POST stops it. Hidden, held and deleted comments are
never sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from html import escape
from urllib.parse import quote

from itsdangerous import BadSignature

from paperwire.config import Settings
from paperwire.links import paper_url
from paperwire.mail import MailError, open_transport
from paperwire.models import Paper
from paperwire.normalize import strip_control
from paperwire.signing import secret_key, serializer
from paperwire.store.base import Store
from paperwire.store.base_discussion import FollowNews
from paperwire.text import plain_text

PURPOSE = "unfollow"


def unfollow_token(key: str, user_id: int, paper_id: str) -> str:
    token: str = serializer(key, PURPOSE).dumps([user_id, paper_id])
    return token


def read_unfollow(key: str, token: str) -> tuple[int, str] | None:
    """(reader, paper) of a signed unfollow token; None when it is not one of ours."""
    try:
        value = serializer(key, PURPOSE).loads(token)
    except BadSignature:
        return None
    if (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], int)
        and isinstance(value[1], str)
    ):
        return value[0], value[1]
    return None


def unfollow_url(settings: Settings, key: str, user_id: int, paper_id: str) -> str:
    token = unfollow_token(key, user_id, paper_id)
    return f"{settings.base_url.rstrip('/')}/discussion/unfollow?token={quote(token)}"


def _one_line(text: str) -> str:
    return " ".join(strip_control(text).split())


def follow_message(
    settings: Settings, news: FollowNews, paper: Paper, *, unfollow: str
) -> EmailMessage:
    """The mail of ``news``: one discussion's new comments for one reader."""
    title = _one_line(plain_text(paper.title))
    page = f"{settings.base_url.rstrip('/')}{paper_url(paper.id)}"
    count = len(news.comments)
    noun = "comment" if count == 1 else "comments"
    message = EmailMessage()
    message["Subject"] = _one_line(f"{count} new {noun}: {title}")[:200]
    message["From"] = settings.mail_from
    message["To"] = news.email
    message["Date"] = format_datetime(max(c.created_at for c in news.comments))
    message["Message-ID"] = make_msgid(domain="paperwire.invalid")
    message["List-Unsubscribe"] = f"<{unfollow}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"

    text = [f"New in the discussion of “{title}”:", page, ""]
    for comment in news.comments:
        when = comment.created_at.strftime("%Y-%m-%d %H:%M UTC")
        text.append(f"{comment.author} ({when}):")
        text += [f"  {line}" for line in comment.body_md.splitlines()]
        text += [f"  {page}#comment-{comment.id}", ""]
    text += ["You follow this discussion. Stop following it:", unfollow]
    message.set_content("\n".join(text) + "\n")

    parts = [
        "<!doctype html><html><head><meta charset='utf-8'></head><body>",
        f"<p>New in the discussion of <a href='{escape(page)}'>{escape(title)}</a>:</p>",
    ]
    for comment in news.comments:
        when = comment.created_at.strftime("%Y-%m-%d %H:%M UTC")
        link = f"{page}#comment-{comment.id}"
        parts.append(
            f"<div><p><strong>{escape(comment.author)}</strong> "
            f"<a href='{escape(link)}'>{escape(when)}</a></p>"
            f"<div>{comment.body_html}</div></div><hr>"
        )
    parts.append(
        f"<p>You follow this discussion. <a href='{escape(unfollow)}'>Stop following it</a>.</p>"
        "</body></html>"
    )
    message.add_alternative("".join(parts), subtype="html")
    return message


@dataclass
class FollowReport:
    sent: int = 0
    failed: int = 0

    def summary(self) -> str:
        failed = f", {self.failed} failed (sent next run)" if self.failed else ""
        return f"discussion: mailed {self.sent} follower(s){failed}"


def mail_followers(store: Store, settings: Settings) -> FollowReport:
    """Send every follower the new comments of the discussions they follow (see module)."""
    report = FollowReport()
    news = store.follow_news()
    if not news:
        return report
    key = secret_key(settings, store)
    papers = store.get_papers(list({n.paper_id for n in news}))
    with open_transport(settings.smtp_url, timeout=settings.smtp_timeout) as transport:
        for item in news:
            paper = papers.get(item.paper_id)
            if paper is None:
                continue
            link = unfollow_url(settings, key, item.user_id, item.paper_id)
            try:
                transport.send(follow_message(settings, item, paper, unfollow=link))
            except MailError:
                report.failed += 1
                continue
            store.mark_follow_sent(item.user_id, item.paper_id, item.comments[-1].id)
            report.sent += 1
    return report
