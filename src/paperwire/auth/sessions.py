"""Who is asking: session cookies for people, API tokens for scripts.

A session is a random token; the cookie holds it signed (purpose ``session``), the
database holds its SHA-256 with the account and an expiry, so signing out (deleting the
row) ends it everywhere, even for a copied cookie. API tokens are random, shown once, kept
hashed and revocable; scripts send them as ``Authorization: Bearer TOKEN``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from itsdangerous import BadSignature

from paperwire.accounts import User
from paperwire.config import Settings
from paperwire.normalize import utcnow
from paperwire.signing import new_token, serializer, token_hash
from paperwire.store import Store

SESSION_COOKIE = "pw_session"
PURPOSE = "session"
TOKEN_PREFIX = "pw_"


def cookie_secure(settings: Settings) -> bool:
    return settings.base_url.lower().startswith("https://")


def start_session(
    store: Store, settings: Settings, *, user: User, key: str, now: datetime | None = None
) -> str:
    """A new session for ``user``; returns the cookie value."""
    now = now or utcnow()
    token = new_token()
    store.add_session(
        token_hash(token),
        user_id=user.id,
        now=now,
        expires_at=now + timedelta(days=settings.session_days),
    )
    return serializer(key, PURPOSE).dumps(token)


def _session_token(cookie: str, key: str) -> str | None:
    try:
        token = serializer(key, PURPOSE).loads(cookie)
    except BadSignature:
        return None
    return token if isinstance(token, str) else None


def session_user(
    store: Store, *, cookie: str, key: str, now: datetime | None = None
) -> User | None:
    token = _session_token(cookie, key)
    if token is None:
        return None
    return store.session_user(token_hash(token), now=now or utcnow())


def end_session(store: Store, *, cookie: str, key: str) -> None:
    token = _session_token(cookie, key)
    if token is not None:
        store.delete_session(token_hash(token))


def new_api_token(store: Store, *, user: User, now: datetime | None = None) -> str:
    """A new API token for ``user``; only its hash is kept, so show it now or never."""
    token = TOKEN_PREFIX + new_token()
    store.add_api_token(token_hash(token), user_id=user.id, now=now or utcnow())
    return token


def bearer_user(store: Store, authorization: str) -> User | None:
    """The account of an ``Authorization: Bearer TOKEN`` header (None: not a live token)."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return store.token_user(token_hash(token.strip()))
