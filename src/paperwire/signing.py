"""Secrets and signed tokens: sessions, sign-in links, subscription links.

The secret key is ``PAPERWIRE_SECRET_KEY`` when set; otherwise one is generated the
first time it is needed and kept in the database (so every process serving the same
data signs with the same key, and restarts keep sessions and emailed links valid).

``serializer(key, purpose)`` gives an itsdangerous serializer whose tokens are valid
only for that purpose (the salt), so a subscription link can never be used as a
session. Things a token grants once (a sign-in link) or that can be revoked (an API
token) are also recorded in the database, by their SHA-256 (``token_hash``), never in
clear.
"""

from __future__ import annotations

import hashlib
import secrets as _secrets

from itsdangerous import URLSafeTimedSerializer

from paperwire.config import Settings
from paperwire.store.base import Store

_CHECKPOINT = "secret-key"


def secret_key(settings: Settings, store: Store) -> str:
    if settings.secret_key:
        return settings.secret_key
    kept = store.get_checkpoint(_CHECKPOINT)
    if kept and kept.get("key"):
        return str(kept["key"])
    with store.atomic():  # two processes starting together agree on one key
        kept = store.get_checkpoint(_CHECKPOINT)
        if kept and kept.get("key"):
            return str(kept["key"])
        key = _secrets.token_urlsafe(48)
        store.set_checkpoint(_CHECKPOINT, {"key": key})
    return key


def serializer(key: str, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(key, salt=f"paperwire:{purpose}")


def new_token(nbytes: int = 32) -> str:
    """An unguessable random token (for API tokens and one-time nonces)."""
    return _secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
