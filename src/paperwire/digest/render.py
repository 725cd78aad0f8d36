"""A composed digest to a mail: Jinja2 templates (``digest/templates/``), the CSS inlined
with css-inline, as one multipart/alternative message (text/plain, then text/html).

The HTML part reads well without its ``<style>`` blocks (every rule is inlined) and
keeps one of them for dark mode (``prefers-color-scheme``), with ``color-scheme`` meta
tags. No images, no remote resources, no tracking: every link goes to the paper's page
at ``base_url`` (or its PDF and code).

Fan-out renders many digests of the same papers, so one paper's card (HTML with its CSS
inlined, and text) is rendered once per reason and reused; the frame around the cards
is rendered and inlined once per period with placeholders, which each message fills in
(its address and signed links). The HTML part is 7-bit ASCII (other characters as
character references) with one line per element, half the lines of quoted-printable for
the receiving server to read; the text part is quoted-printable. The message itself is
written out directly (``build_message``): the standard library's ``email`` package
spends milliseconds per message on header parsing. What it writes is checked against
the ``email`` parser in the tests.

``Renderer.render_message`` is deterministic: the sender renders each outbox row when
it sends it, and a row sent again after a crash gives the same bytes.
"""

from __future__ import annotations

import binascii
import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import css_inline
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import escape

from paperwire.cite import pdf_url
from paperwire.config import Settings
from paperwire.digest.subscriptions import Links, list_id, mail_domain
from paperwire.links import paper_url, safe_url
from paperwire.mail import address_header
from paperwire.models import Paper
from paperwire.normalize import utcnow
from paperwire.text import plain_text

if TYPE_CHECKING:
    from paperwire.digest.compose import Digest, Group, Item, Period

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"], default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["plain_text"] = plain_text  # titles and names: LaTeX as readable text
    env.filters["safe_url"] = safe_url  # stored links: http(s) only
    return env


@lru_cache(maxsize=1)
def stylesheet() -> str:
    return (TEMPLATES / "digest.css").read_text(encoding="utf-8")


@dataclass(frozen=True, slots=True)
class Rendered:
    message_id: str
    message: bytes  # RFC 5322, CRLF line ends

    def parse(self) -> EmailMessage:
        parsed = message_from_bytes(self.message, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


def _authors(paper: Paper, limit: int = 3) -> str:
    names = [plain_text(a.name) for a in paper.authors]
    if len(names) > limit:
        return ", ".join(names[:limit]) + " et al."
    return ", ".join(names)


def _header(name: str, value: str) -> bytes:
    """One header line; values that are not plain ASCII are RFC 2047 encoded."""
    if value.isascii() and "\n" not in value and "\r" not in value:
        return f"{name}: {value}\r\n".encode("ascii")
    encoded = Header(value.replace("\r", " ").replace("\n", " "), "utf-8", header_name=name)
    return f"{name}: {encoded.encode(linesep=chr(13) + chr(10))}\r\n".encode("ascii")


def _address_header(name: str, value: str) -> bytes:
    if value.isascii():
        return _header(name, value)
    return address_header(name, value)  # IDNA domains, RFC 2047 display names


def quoted_printable(text: str) -> bytes:
    """``text`` as UTF-8 quoted-printable with CRLF line ends. Pieces that each end with a
    line break can be encoded apart and joined (fan-out encodes each card once)."""
    body = text.replace("\r\n", "\n").encode("utf-8")
    encoded = binascii.b2a_qp(body, quotetabs=False, istext=True, header=False)
    return encoded.replace(b"\n", b"\r\n")


#: Longest line of a 7bit HTML part (RFC 5322 allows 998 octets).
HTML_LINE = 990


def html_7bit(html: str) -> bytes:
    """``html`` as 7-bit ASCII with CRLF line ends: other characters as character
    references (``·`` -> ``&#183;``), lines longer than ``HTML_LINE`` broken at a space
    (whitespace, to HTML). Pieces that each end with a line break can be encoded apart
    and joined. Unlike quoted-printable (76-character lines) this keeps one line per
    element, so a digest is half as many lines for the receiving server to read."""
    data = html.replace("\r\n", "\n").encode("ascii", "xmlcharrefreplace")
    lines = data.split(b"\n")
    out: list[bytes] = []
    for line in lines:
        while len(line) > HTML_LINE:
            cut = line.rfind(b" ", 1, HTML_LINE)
            if cut <= 0:  # no space to break at: break anyway (never seen in practice)
                out.append(line[:HTML_LINE])
                line = line[HTML_LINE:]
            else:
                out.append(line[:cut])
                line = line[cut + 1 :]
        out.append(line)
    return b"\r\n".join(out)


def build_message(
    *,
    headers: list[tuple[str, str]],
    text: bytes,
    html: bytes,
    boundary: str,
) -> bytes:
    """A multipart/alternative message of ``text`` (UTF-8 quoted-printable, see
    ``quoted_printable``) and ``html`` (7-bit, see ``html_7bit``) after ``headers`` (in
    order)."""
    out = [_address_header(n, v) if n in ("From", "To") else _header(n, v) for n, v in headers]
    out.append(b"MIME-Version: 1.0\r\n")
    out.append(f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'.encode())
    for subtype, body, encoding in (
        ("plain", text, "quoted-printable"),
        ("html", html, "7bit"),
    ):
        out.append(f"--{boundary}\r\n".encode())
        out.append(f'Content-Type: text/{subtype}; charset="utf-8"\r\n'.encode())
        out.append(f"Content-Transfer-Encoding: {encoding}\r\n\r\n".encode())
        out.append(body)
        if not body.endswith(b"\r\n"):
            out.append(b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out)


_CARD = re.compile(r"<!--card:(\d+)-->")
# Placeholders for what differs between messages of one period: the frame is rendered
# and its CSS inlined once per period with these, then filled in for each message.
_EMAIL = "pwph-email-0"
_PREFERENCES = "https://pwph.invalid/preferences"
_UNSUBSCRIBE = "https://pwph.invalid/unsubscribe"
_HEADING = "pwph-heading-0"


def new_message_id(period: Period, subscriber_id: int, domain: str) -> str:
    """A fresh Message-ID for the digest of ``subscriber_id`` (chosen once, at composing)."""
    return f"<{period.slug}.{subscriber_id}.{secrets.token_hex(8)}@{domain}>"


@dataclass(frozen=True, slots=True)
class _Frame:
    """A period's HTML frame with its CSS inlined: the part before the groups (encoded),
    a group's heading (with ``_HEADING``) and the footer (with the placeholders)."""

    head: bytes
    heading: str
    footer: str


def _lines(text: str) -> str:
    """``text`` without leading and trailing line breaks, ending with one."""
    return text.strip("\n") + "\n"


class Renderer:
    """Renders digests of one site; keep one for many digests (it caches cards, headings
    and each period's frame).

    ``render_message`` is deterministic: the same composition, Message-ID and time give
    the same bytes (the MIME boundary comes from the Message-ID, the links are signed
    as of ``at``), so a message sent again after a crash is the one sent before."""

    def __init__(self, settings: Settings, links: Links) -> None:
        self.settings = settings
        self.links = links
        self.base_url = settings.base_url.rstrip("/")
        self.env = environment()
        self.css = stylesheet()
        # The stylesheet is inlined, not sent: only the dark-mode <style> block is kept.
        self.inliner = css_inline.CSSInliner(keep_style_tags=True, extra_css=self.css)
        self.domain = mail_domain(settings)
        self.list_id = list_id(settings)
        self._frame = self.env.get_template("digest.html")
        self._text = self.env.get_template("digest.txt")
        self._card_html = self.env.get_template("_card.html")
        self._card_text = self.env.get_template("_card.txt")
        self._note_html = self.env.get_template("_note.html")
        self._notes: dict[str, bytes] = {}
        self._cards: dict[tuple[str, str, bool], tuple[bytes, str, bytes]] = {}
        self._frames: dict[tuple[str, str], _Frame] = {}
        self._headings: dict[tuple[str, str, str], bytes] = {}
        self._pieces: dict[str, bytes] = {}
        self._titles: dict[str, str] = {}

    def paper_url(self, paper: Paper) -> str:
        return self.base_url + paper_url(paper)

    def _card(self, item: Item, *, discussion: bool = False) -> tuple[bytes, str, bytes]:
        """One paper's card: its HTML (CSS inlined, quoted-printable), its text, and its
        text quoted-printable with the line break after it. ``discussion``: its link
        is "Read the discussion", to the paper page's ``#discussion``."""
        key = (item.paper.id, item.reason, discussion)
        card = self._cards.get(key)
        if card is None:
            url = self.paper_url(item.paper)
            context = {
                "paper": item.paper,
                "url": url,
                "discussion": f"{url}#discussion" if discussion else "",
                "pdf": pdf_url(item.paper),
                "authors": _authors(item.paper),
                "reason": item.reason,
                "summary": item.summary,
            }
            html = css_inline.inline_fragment(self._card_html.render(context), self.css)
            text = self._card_text.render(context).rstrip()
            card = (html_7bit(_lines(html)), text, quoted_printable(text + "\n"))
            if len(self._cards) > 100_000:
                self._cards.clear()
            self._cards[key] = card
        return card

    def _frame_of(self, title: str, frequency: str) -> _Frame:
        frame = self._frames.get((title, frequency))
        if frame is None:
            context = {
                "title": title,
                "frequency": frequency,
                "email": _EMAIL,
                "base_url": self.base_url,
                "preferences_url": _PREFERENCES,
                "unsubscribe_url": _UNSUBSCRIBE,
            }
            groups = [{"heading": _HEADING, "cards": [0]}]
            html = self.inliner.inline(self._frame.render(context, groups=groups))
            head, rest = html.split("<!--group-->", 1)
            group, footer = rest.split("<!--groups-->", 1)
            heading = group.split("<!--card:0-->", 1)[0]
            frame = _Frame(html_7bit(_lines(head)), _lines(heading), _lines(footer))
            self._frames[(title, frequency)] = frame
        return frame

    def _heading(self, frame: _Frame, title: str, heading: str) -> bytes:
        key = (title, frame.heading, heading)
        found = self._headings.get(key)
        if found is None:
            found = html_7bit(frame.heading.replace(_HEADING, str(escape(heading))))
            if len(self._headings) > 100_000:
                self._headings.clear()
            self._headings[key] = found
        return found

    def _note(self, note: str) -> bytes:
        """What a group without papers says (a topic that found nothing new), as HTML
        with its CSS inlined."""
        found = self._notes.get(note)
        if found is None:
            html = css_inline.inline_fragment(self._note_html.render(note=note), self.css)
            found = html_7bit(_lines(html))
            if len(self._notes) > 10_000:
                self._notes.clear()
            self._notes[note] = found
        return found

    def _piece(self, text: str, *, keep: bool) -> bytes:
        """A piece of the text part (whole lines), encoded; ``keep``: cache it."""
        found = self._pieces.get(text) if keep else None
        if found is None:
            found = quoted_printable(text)
            if keep:
                if len(self._pieces) > 100_000:
                    self._pieces.clear()
                self._pieces[text] = found
        return found

    def render(self, digest: Digest) -> Rendered:
        """``digest`` as a new message (a fresh Message-ID, dated now)."""
        sub = digest.subscriber
        return self.render_message(
            subscriber_id=sub.id,
            email=sub.email,
            period=digest.period,
            groups=digest.groups,
            message_id=new_message_id(digest.period, sub.id, self.domain),
            at=utcnow(),
        )

    def render_message(
        self,
        *,
        subscriber_id: int,
        email: str,
        period: Period,
        groups: Sequence[Group],
        message_id: str,
        at: datetime,
    ) -> Rendered:
        """The message of a composed digest; the same arguments give the same bytes."""
        stamp = int(at.timestamp())
        unsubscribe = self.links.unsubscribe_url(subscriber_id, at=stamp)
        preferences = self.links.preferences_url(subscriber_id, at=stamp)
        title = self._titles.get(period.key)
        if title is None:
            title = self._titles[period.key] = period.title
        frame = self._frame_of(title, period.frequency)
        html: list[bytes] = [frame.head]
        text_groups = []
        texts: list[bytes] = []
        size = 0
        for group in groups:
            if not group.items:
                if group.note:
                    html.append(self._heading(frame, title, group.heading))
                    html.append(self._note(group.note))
                    text_groups.append(
                        {"heading": group.heading, "note": group.note, "text_cards": []}
                    )
                continue
            html.append(self._heading(frame, title, group.heading))
            numbers = []
            for item in group.items:
                card_html, _, card_text = self._card(item, discussion=group.is_discussion)
                html.append(card_html)
                numbers.append(f"<!--card:{len(texts)}-->")
                texts.append(card_text)
                size += 1
            text_groups.append({"heading": group.heading, "text_cards": numbers})
        footer = (
            frame.footer.replace(_EMAIL, str(escape(email)))
            .replace(_PREFERENCES, str(escape(preferences)))
            .replace(_UNSUBSCRIBE, str(escape(unsubscribe)))
        )
        html.append(html_7bit(footer))
        context = {
            "title": title,
            "frequency": period.frequency,
            "email": email,
            "base_url": self.base_url,
            "preferences_url": preferences,
            "unsubscribe_url": unsubscribe,
        }
        text = self._text_part(self._text.render(context, groups=text_groups), texts)
        boundary = "=_pw_" + hashlib.sha256(message_id.encode()).hexdigest()[:24]
        subject = f"{title}: {size} paper{'s' if size != 1 else ''} for you"
        headers = [
            ("Subject", subject),
            ("From", self.settings.mail_from),
            ("To", email),
            ("Date", format_datetime(at.astimezone(UTC), usegmt=True)),
            ("Message-ID", message_id),
            ("List-Id", self.list_id),
            ("List-Unsubscribe", f"<{unsubscribe}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            ("Auto-Submitted", "auto-generated"),
            ("Precedence", "bulk"),
        ]
        message = build_message(headers=headers, text=text, html=b"".join(html), boundary=boundary)
        return Rendered(message_id, message)

    def _text_part(self, frame: str, cards: list[bytes]) -> bytes:
        """The text frame (cards stand as ``<!--card:N-->``) with the cards spliced in,
        encoded piece by piece: every piece but the last (the footer, with this reader's
        links) repeats across messages and is encoded once."""
        pieces = _CARD.split(frame)  # frame, card number, frame, ..., frame
        out: list[bytes] = []
        for n, piece in enumerate(pieces):
            if n % 2:
                out.append(cards[int(piece)])  # the card and its line break
                continue
            if n:
                if not piece.startswith("\n"):  # a card not on a line of its own
                    return quoted_printable(_CARD.sub(lambda _: "", frame))  # pragma: no cover
                piece = piece[1:]
            if piece:
                out.append(self._piece(piece, keep=n < len(pieces) - 1))
        return b"".join(out)


def render_digest(settings: Settings, links: Links, digest: Digest) -> EmailMessage:
    """One digest as an ``EmailMessage`` (for callers that want the object)."""
    return Renderer(settings, links).render(digest).parse()
