"""One-time sign-in links sent by email.

A link carries a random nonce signed for the purpose ``login-link`` (a forged or altered
link fails the signature before the database is asked). The database keeps only the
nonce's SHA-256, its address and its expiry; using the link marks it used in the same
transaction that checks it, so a link works once, and only within
``login_link_minutes``.

Unknown addresses: with ``allow_signup`` (the default) they get a link too, and the
account is created as a reader when the link is used; without it nothing is sent. The
answer is the same either way, and the same when the per-address limit swallows a mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from urllib.parse import urlencode

from itsdangerous import BadSignature

from paperwire.accounts import User
from paperwire.config import Settings
from paperwire.mail import open_transport
from paperwire.normalize import email_address, utcnow
from paperwire.signing import new_token, serializer, token_hash
from paperwire.store import Store

PURPOSE = "login-link"


class BadEmail(ValueError):
    """An address that cannot receive mail; the message says why."""


class LinkError(ValueError):
    """A sign-in link that cannot be used; the message says why, for the reader."""


def normalize_email(raw: str) -> str:
    """The address as accounts are keyed: validated, then lower-cased."""
    try:
        return email_address(raw).lower()
    except ValueError as exc:
        raise BadEmail(str(exc)) from None


@dataclass(frozen=True, slots=True)
class LinkRequest:
    """What ``request_link`` did: the link to mail (None: nothing is sent)."""

    email: str
    url: str | None


def link_url(settings: Settings, token: str) -> str:
    return f"{settings.base_url.rstrip('/')}/login/confirm?{urlencode({'token': token})}"


def request_link(
    store: Store, settings: Settings, *, email: str, key: str, now: datetime | None = None
) -> LinkRequest:
    """Make a sign-in link for ``email`` (already normalized) unless the per-address limit
    is reached or the address is unknown and sign-ups are off."""
    now = now or utcnow()
    if not settings.allow_signup and store.user_by_email(email) is None:
        return LinkRequest(email, None)
    limited = store.hit_rate_limit(
        f"login-address:{email}",
        limit=settings.login_limit_per_address,
        window=settings.login_limit_window,
        now=now,
    )
    if limited is not None:
        return LinkRequest(email, None)
    nonce = new_token()
    store.add_login_link(
        token_hash(nonce),
        email=email,
        now=now,
        expires_at=now + timedelta(minutes=settings.login_link_minutes),
    )
    return LinkRequest(email, link_url(settings, serializer(key, PURPOSE).dumps(nonce)))


def link_message(settings: Settings, email: str, url: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = email
    message["Subject"] = "Your paperwire sign-in link"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(
        "Someone (hopefully you) asked to sign in to paperwire with this address.\n\n"
        f"Open this link to sign in:\n\n{url}\n\n"
        f"It works once, within {settings.login_link_minutes} minutes. If you did not ask "
        "for it, ignore this mail: nothing happens without the link.\n"
    )
    return message


def send_link(settings: Settings, request: LinkRequest) -> None:
    """Mail the link (through ``PAPERWIRE_SMTP_URL``); raises ``MailError`` on failure."""
    if request.url is None:
        return
    with open_transport(settings.smtp_url, timeout=settings.smtp_timeout) as transport:
        transport.send(link_message(settings, request.email, request.url))


def read_token(token: str, *, key: str) -> str:
    """The nonce inside a link token; LinkError when the signature is wrong."""
    try:
        nonce = serializer(key, PURPOSE).loads(token)
    except BadSignature:
        raise LinkError("This sign-in link is not valid: ask for a new one.") from None
    if not isinstance(nonce, str):
        raise LinkError("This sign-in link is not valid: ask for a new one.")
    return nonce


def use_link(store: Store, *, token: str, key: str, now: datetime | None = None) -> User:
    """Consume the link and return its account (created as a reader when new)."""
    now = now or utcnow()
    email = store.consume_login_link(token_hash(read_token(token, key=key)), now=now)
    if email is None:
        raise LinkError("This sign-in link has expired or was already used: ask for a new one.")
    return store.ensure_user(email, now=now)
