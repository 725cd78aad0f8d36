"""A composed digest to a mail: Jinja2 templates (``digest/templates/``), the CSS inlined
with css-inline, as one multipart/alternative message (text/plain, then text/html).

The HTML part reads well without its ``<style>`` blocks (every rule is inlined) and
keeps one of them for dark mode (``prefers-color-scheme``), with ``color-scheme`` meta
tags. No images, no remote resources, no tracking: every link goes to the paper's page
at ``base_url`` (or its PDF and code).

Fan-out renders many digests of the same papers, so one paper's card (HTML with its CSS
inlined, and text) is rendered once per reason and reused; the frame around the cards
is rendered and inlined per message. The message itself is written out directly
(``build_message``): the standard library's ``email`` package spends milliseconds per
message on header parsing, which a 100,000-subscriber fan-out cannot afford. What it
writes is checked against the ``email`` parser in the tests.
"""

from __future__ import annotations

import binascii
import re
import secrets
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import css_inline
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from paperwire.config import Settings
from paperwire.digest.subscriptions import Links, list_id, mail_domain
from paperwire.digest.summary import detex
from paperwire.models import Paper
from paperwire.normalize import utcnow

if TYPE_CHECKING:
    from paperwire.digest.compose import Digest, Item

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
    env.filters["detex"] = detex
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
    names = [a.name for a in paper.authors]
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
    folded = policy.SMTPUTF8.fold_binary(name, value)  # an internationalised address
    return folded.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def quoted_printable(text: str) -> bytes:
    """``text`` as UTF-8 quoted-printable with CRLF line ends. Pieces that each end with a
    line break can be encoded apart and joined (fan-out encodes each card once)."""
    body = text.replace("\r\n", "\n").encode("utf-8")
    encoded = binascii.b2a_qp(body, quotetabs=False, istext=True, header=False)
    return encoded.replace(b"\n", b"\r\n")


def build_message(
    *,
    headers: list[tuple[str, str]],
    text: bytes,
    html: bytes,
    boundary: str,
) -> bytes:
    """A multipart/alternative message of ``text`` and ``html`` (both already UTF-8
    quoted-printable, see ``quoted_printable``) after ``headers`` (in order)."""
    out = [_address_header(n, v) if n in ("From", "To") else _header(n, v) for n, v in headers]
    out.append(b"MIME-Version: 1.0\r\n")
    out.append(f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'.encode())
    for subtype, body in (("plain", text), ("html", html)):
        out.append(f"--{boundary}\r\n".encode())
        out.append(f'Content-Type: text/{subtype}; charset="utf-8"\r\n'.encode())
        out.append(b"Content-Transfer-Encoding: quoted-printable\r\n\r\n")
        out.append(body)
        if not body.endswith(b"\r\n"):
            out.append(b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out)


_CARD = re.compile(r"<!--card:(\d+)-->")


class Renderer:
    """Renders digests of one site; keep one for many digests (it caches cards)."""

    def __init__(self, settings: Settings, links: Links) -> None:
        self.settings = settings
        self.links = links
        self.base_url = settings.base_url.rstrip("/")
        self.env = environment()
        self.css = stylesheet()
        self.inliner = css_inline.CSSInliner(keep_style_tags=True)
        self.domain = mail_domain(settings)
        self.list_id = list_id(settings)
        self._frame = self.env.get_template("digest.html")
        self._text = self.env.get_template("digest.txt")
        self._card_html = self.env.get_template("_card.html")
        self._card_text = self.env.get_template("_card.txt")
        self._cards: dict[tuple[str, str], tuple[bytes, str]] = {}

    def paper_url(self, paper: Paper) -> str:
        from paperwire.web.templates import paper_url

        return self.base_url + paper_url(paper)

    def _card(self, item: Item) -> tuple[bytes, str]:
        """One paper's card: its HTML (CSS inlined, quoted-printable) and its text."""
        key = (item.paper.id, item.reason)
        card = self._cards.get(key)
        if card is None:
            from paperwire.web.templates import pdf_url

            context = {
                "paper": item.paper,
                "url": self.paper_url(item.paper),
                "pdf": pdf_url(item.paper),
                "authors": _authors(item.paper),
                "reason": item.reason,
                "summary": item.summary,
            }
            html = css_inline.inline_fragment(self._card_html.render(context), self.css)
            card = (
                quoted_printable(html.rstrip("\n") + "\n"),
                self._card_text.render(context).rstrip(),
            )
            if len(self._cards) > 100_000:
                self._cards.clear()
            self._cards[key] = card
        return card

    def render(self, digest: Digest) -> Rendered:
        sub = digest.subscriber
        unsubscribe = self.links.unsubscribe_url(sub.id)
        context = {
            "title": digest.title,
            "frequency": digest.period.frequency,
            "email": sub.email,
            "base_url": self.base_url,
            "preferences_url": self.links.preferences_url(sub.id),
            "unsubscribe_url": unsubscribe,
            "css": Markup(self.css),
        }
        cards: list[bytes] = []
        groups_html = []
        groups_text = []
        for group in digest.groups:
            numbers = []
            texts = []
            for item in group.items:
                card_html, card_text = self._card(item)
                numbers.append(len(cards))
                cards.append(card_html)
                texts.append(card_text)
            groups_html.append({"heading": group.heading, "cards": numbers})
            groups_text.append({"heading": group.heading, "text_cards": texts})
        frame = self.inliner.inline(self._frame.render(context, groups=groups_html))
        pieces = _CARD.split(frame)  # frame, card number, frame, card number, ..., frame
        html = b"".join(
            cards[int(piece)] if n % 2 else quoted_printable(piece.rstrip("\n") + "\n")
            for n, piece in enumerate(pieces)
        )
        text = quoted_printable(self._text.render(context, groups=groups_text))
        nonce = secrets.token_hex(12)
        message_id = f"<{digest.period.slug}.{sub.id}.{nonce[:16]}@{self.domain}>"
        list_unsubscribe = f"<{unsubscribe}>"
        headers = [
            ("Subject", digest.subject),
            ("From", self.settings.mail_from),
            ("To", sub.email),
            ("Date", format_datetime(utcnow(), usegmt=True)),
            ("Message-ID", message_id),
            ("List-Id", self.list_id),
            ("List-Unsubscribe", list_unsubscribe),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            ("Auto-Submitted", "auto-generated"),
            ("Precedence", "bulk"),
        ]
        boundary = f"=_pw_{nonce}"
        message = build_message(headers=headers, text=text, html=html, boundary=boundary)
        return Rendered(message_id, message)


def render_digest(settings: Settings, links: Links, digest: Digest) -> EmailMessage:
    """One digest as an ``EmailMessage`` (for callers that want the object)."""
    return Renderer(settings, links).render(digest).parse()
