"""Subscribing: validating what was asked for, double opt-in, and the signed links.

Links carry itsdangerous tokens signed with the site's secret, one salt per purpose:

- ``confirm``: the address and the preferences asked for; expires after
  ``digest_confirm_days``. Following it (and pressing the button) confirms; nothing but
  this mail is ever sent to an unconfirmed address.
- ``preferences``: the subscriber id; expires after ``digest_preferences_days`` (every
  digest carries a fresh one).
- ``unsubscribe``: the subscriber id; never expires, so a one-click unsubscribe from an old
  digest still works (RFC 8058).

Asking to subscribe answers the same whether or not the address is known; a known
address gets a confirmation mail too (confirming it applies the new preferences).
"""

from __future__ import annotations

import logging
import math
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode, urlsplit

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from paperwire.config import Settings
from paperwire.mail import MailError, open_transport
from paperwire.normalize import email_address, utcnow
from paperwire.signing import secret_key, serializer
from paperwire.store.base import Store
from paperwire.store.base_digests import Preferences, Subscriber

log = logging.getLogger(__name__)

FREQUENCIES = ("daily", "weekly")
MAX_TOPICS_LENGTH = 500
MAX_TOPICS = 20
MAX_TOPIC_LENGTH = 100
MAX_CATEGORIES = 30
#: Seconds before a second confirmation mail goes to the same address.
RESEND_AFTER = 600.0
_CATEGORY_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-.")


class _SignedAt(TimestampSigner):
    """Signs with a given time instead of now, so a message rendered again (a re-send
    after a crash) carries the very same links."""

    def __init__(self, *args: Any, at: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._at = at

    def get_timestamp(self) -> int:
        return self._at


@lru_cache(maxsize=64)
def _serializer_at(key: str, purpose: str, at: int) -> URLSafeTimedSerializer:
    salt = serializer(key, purpose).salt
    return URLSafeTimedSerializer(key, salt=salt, signer=_SignedAt, signer_kwargs={"at": at})


def _signed(key: str, purpose: str, value: Any, at: int | None) -> str:
    if at is None:
        return serializer(key, purpose).dumps(value)
    token = _serializer_at(key, purpose, at).dumps(value)
    assert isinstance(token, str)
    return token


class InvalidToken(ValueError):
    """A link that was tampered with, cut short, or has expired."""


@dataclass(slots=True)
class Request:
    """What someone asked for, normalised, with one error message per bad field."""

    email: str = ""
    prefs: Preferences = field(default_factory=Preferences)
    errors: dict[str, str] = field(default_factory=dict)


def split_topics(topics: str | list[str]) -> list[str]:
    """Topics from a comma or newline separated text (or a list), whitespace collapsed,
    duplicates (ignoring case) dropped."""
    raw = topics if isinstance(topics, list) else topics.replace("\n", ",").split(",")
    out: list[str] = []
    seen: set[str] = set()
    for item in raw:
        topic = " ".join(str(item).split())
        if topic and topic.lower() not in seen:
            seen.add(topic.lower())
            out.append(topic)
    return out


def validate_request(
    *,
    email: str,
    frequency: str,
    categories: list[str],
    topics: str | list[str],
    timezone: str = "UTC",
    smtputf8: bool = False,
) -> Request:
    """``smtputf8``: the mail server can deliver to addresses with characters other than
    ASCII before the @ (``Settings.mail_smtputf8``); otherwise they are refused here."""
    req = Request(email=email.strip())
    try:
        req.email = email_address(email, smtputf8=smtputf8)
    except ValueError:
        try:
            email_address(email, smtputf8=True)
        except ValueError:
            req.errors["email"] = "Enter an email address such as ada@example.org."
        else:
            req.errors["email"] = (
                "This site cannot send mail to an address with characters other than plain"
                " ASCII letters, digits and . _ + - before the @: use another address."
            )
    if frequency in FREQUENCIES:
        req.prefs.frequency = frequency
    else:
        req.errors["frequency"] = "Choose daily or weekly."
    for value in categories:
        if not value or len(value) > 40 or not set(value) <= _CATEGORY_CHARS or "." == value[0]:
            req.errors["categories"] = f"Unknown category “{value}”."
            continue
        if value not in req.prefs.categories:
            req.prefs.categories.append(value)
    if len(req.prefs.categories) > MAX_CATEGORIES:
        req.errors["categories"] = f"Choose at most {MAX_CATEGORIES} categories."
    text = topics if isinstance(topics, str) else ", ".join(topics)
    req.prefs.topics = split_topics(topics)
    if len(" ".join(text.split())) > MAX_TOPICS_LENGTH:
        req.errors["topics"] = f"Topics can be at most {MAX_TOPICS_LENGTH} characters long."
    elif len(req.prefs.topics) > MAX_TOPICS or any(
        len(t) > MAX_TOPIC_LENGTH for t in req.prefs.topics
    ):
        req.errors["topics"] = f"Give at most {MAX_TOPICS} topics of {MAX_TOPIC_LENGTH} characters."
    try:
        if not timezone or timezone != timezone.strip():
            raise ValueError(timezone)
        zoneinfo.ZoneInfo(timezone)
        req.prefs.timezone = timezone
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        req.errors["timezone"] = f"Unknown time zone “{timezone}”."
    return req


# -- links ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Links:
    """Signs and reads the links of one site."""

    key: str
    base_url: str
    confirm_days: int = 7
    preferences_days: int = 90

    @classmethod
    def of(cls, settings: Settings, store: Store) -> Links:
        return cls(
            secret_key(settings, store),
            settings.base_url.rstrip("/"),
            settings.digest_confirm_days,
            settings.digest_preferences_days,
        )

    def _url(self, path: str, token: str) -> str:
        return f"{self.base_url}{path}?{urlencode({'token': token})}"

    def confirm_url(self, email: str, prefs: Preferences) -> str:
        payload = {
            "e": email,
            "f": prefs.frequency,
            "c": prefs.categories,
            "t": prefs.topics,
            "z": prefs.timezone,
        }
        return self._url("/subscribe/confirm", serializer(self.key, "confirm").dumps(payload))

    def read_confirm(self, token: str) -> tuple[str, Preferences]:
        data = self._load("confirm", token, self.confirm_days * 86400)
        try:
            prefs = Preferences(str(data["f"]), list(data["c"]), list(data["t"]), str(data["z"]))
            return str(data["e"]), prefs
        except (KeyError, TypeError) as exc:
            raise InvalidToken("this link is not a confirmation link") from exc

    def preferences_url(self, subscriber_id: int, *, at: int | None = None) -> str:
        """``at``: sign as of that Unix time (the link expires counting from then)."""
        token = _signed(self.key, "preferences", subscriber_id, at)
        return self._url("/subscribe/preferences", token)

    def read_preferences(self, token: str) -> int:
        return self._id(self._load("preferences", token, self.preferences_days * 86400))

    def unsubscribe_url(self, subscriber_id: int, *, at: int | None = None) -> str:
        token = _signed(self.key, "unsubscribe", subscriber_id, at)
        return self._url("/subscribe/unsubscribe", token)

    def read_unsubscribe(self, token: str) -> int:
        return self._id(self._load("unsubscribe", token, None))

    def _load(self, purpose: str, token: str, max_age: int | None) -> Any:
        if not token or len(token) > 4000:
            raise InvalidToken("this link is incomplete")
        try:
            return serializer(self.key, purpose).loads(token, max_age=max_age)
        except SignatureExpired:
            raise InvalidToken("this link has expired") from None
        except BadSignature:
            raise InvalidToken("this link is not valid (perhaps it was cut short)") from None

    @staticmethod
    def _id(value: Any) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidToken("this link is not valid")
        return value


def list_id(settings: Settings) -> str:
    host = urlsplit(settings.base_url).hostname or "localhost"
    return f"paperwire digests <digests.{host}>"


def mail_domain(settings: Settings) -> str:
    return urlsplit(settings.base_url).hostname or "localhost"


# -- subscribing ------------------------------------------------------------------------


def confirmation_message(settings: Settings, email: str, url: str) -> EmailMessage:
    """The double opt-in mail: one link, nothing else."""
    from paperwire.digest.render import environment

    env = environment()
    context = {"url": url, "days": settings.digest_confirm_days, "base_url": settings.base_url}
    message = EmailMessage()
    message["Subject"] = "Confirm your paperwire digest subscription"
    message["From"] = settings.mail_from
    message["To"] = email
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid("confirm", domain=mail_domain(settings))
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(env.get_template("confirm.txt").render(context))
    message.add_alternative(env.get_template("confirm.html").render(context), subtype="html")
    return message


def ip_limit_wait(store: Store, settings: Settings, *, client: str, now: datetime) -> float | None:
    """Count one subscription request from ``client`` (an IP address); past
    ``subscribe_limit_per_ip`` within ``subscribe_limit_window``, the seconds to wait.
    Counted in the database, so every server process shares one count."""
    return store.hit_rate_limit(
        f"subscribe-ip:{client}",
        limit=settings.subscribe_limit_per_ip,
        window=settings.subscribe_limit_window,
        now=now,
    )


def retry_after(wait: float) -> str:
    """A ``Retry-After`` value: whole seconds, rounded up."""
    return str(max(1, math.ceil(wait)))


def request_subscription(store: Store, settings: Settings, req: Request) -> EmailMessage | None:
    """Record the request; the confirmation mail to send now, or None (one went out to
    this address a few minutes ago). The caller's answer must not depend on which."""
    if req.errors:
        raise ValueError("; ".join(req.errors.values()))
    send = store.request_subscription(req.email, req.prefs, now=utcnow(), resend_after=RESEND_AFTER)
    if not send:
        return None
    url = Links.of(settings, store).confirm_url(req.email, req.prefs)
    return confirmation_message(settings, req.email, url)


def send_now(settings: Settings, message: EmailMessage) -> None:
    """Send one mail (a confirmation); failures are logged, not shown to the visitor."""
    try:
        with open_transport(settings.smtp_url, timeout=settings.smtp_timeout) as transport:
            transport.send(message)
    except MailError as exc:
        log.warning("cannot send the confirmation mail to %s: %s", message["To"], exc)


def confirm(store: Store, settings: Settings, token: str) -> Subscriber:
    email, prefs = Links.of(settings, store).read_confirm(token)
    return store.confirm_subscription(email, prefs, now=utcnow())
