"""Sign-in links, sessions, API tokens and rate limits at the library level, with the
time passed in."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from paperwire.auth.links import (
    BadEmail,
    LinkError,
    normalize_email,
    read_token,
    request_link,
    use_link,
)
from paperwire.auth.sessions import (
    bearer_user,
    end_session,
    new_api_token,
    session_user,
    start_session,
)
from paperwire.config import Settings
from paperwire.signing import serializer, token_hash
from paperwire.store import Store

pytestmark = pytest.mark.both_backends

KEY = "k" * 48
NOW = datetime(2026, 7, 2, 12, tzinfo=UTC)


def token_of(url: str | None) -> str:
    assert url is not None
    return url.split("token=", 1)[1]


def test_normalize_email() -> None:
    assert normalize_email("  Ada@Example.ORG ") == "ada@example.org"
    for bad in ("", "ada", "ada@", "@example.org", "a b@example.org", "ada@example..org"):
        with pytest.raises(BadEmail):
            normalize_email(bad)


def test_a_link_works_once(store: Store) -> None:
    link = request_link(store, Settings(), email="ada@example.org", key=KEY, now=NOW)
    token = token_of(link.url)
    user = use_link(store, token=token, key=KEY, now=NOW + timedelta(minutes=1))
    assert (user.email, user.role) == ("ada@example.org", "reader")
    with pytest.raises(LinkError, match="already used"):
        use_link(store, token=token, key=KEY, now=NOW + timedelta(minutes=2))
    assert len(store.list_users()) == 1


def test_a_link_expires_after_15_minutes(store: Store) -> None:
    link = request_link(store, Settings(), email="ada@example.org", key=KEY, now=NOW)
    with pytest.raises(LinkError, match="expired"):
        use_link(store, token=token_of(link.url), key=KEY, now=NOW + timedelta(minutes=15))
    assert store.list_users() == []


def test_concurrent_uses_of_one_link_sign_in_once(store: Store) -> None:
    link = request_link(store, Settings(), email="ada@example.org", key=KEY, now=NOW)
    token = token_of(link.url)
    results: list[str] = []
    barrier = threading.Barrier(8)

    def use() -> None:
        barrier.wait()
        try:
            use_link(store, token=token, key=KEY, now=NOW)
            results.append("ok")
        except LinkError:
            results.append("refused")

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["ok"] + ["refused"] * 7


def test_forged_and_foreign_tokens(store: Store) -> None:
    link = request_link(store, Settings(), email="ada@example.org", key=KEY, now=NOW)
    token = token_of(link.url)
    for forged in (
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # signature changed
        serializer("another key" * 4, "login-link").dumps("nonce"),  # another server
        serializer(KEY, "session").dumps(read_token(token, key=KEY)),  # another purpose
        "",
    ):
        with pytest.raises(LinkError):
            use_link(store, token=forged, key=KEY, now=NOW)
    assert store.list_users() == []
    assert use_link(store, token=token, key=KEY, now=NOW).email == "ada@example.org"


def test_the_per_address_limit(store: Store) -> None:
    settings = Settings(login_limit_per_address=2, login_limit_window=60)
    urls = [
        request_link(store, settings, email="ada@example.org", key=KEY, now=NOW).url
        for _ in range(3)
    ]
    assert urls[0] and urls[1] and urls[2] is None
    later = request_link(
        store, settings, email="ada@example.org", key=KEY, now=NOW + timedelta(seconds=61)
    )
    assert later.url is not None
    other = request_link(store, settings, email="bob@example.org", key=KEY, now=NOW)
    assert other.url is not None


def test_rate_limit_retry_after(store: Store) -> None:
    assert store.hit_rate_limit("b", limit=2, window=60, now=NOW) is None
    assert store.hit_rate_limit("b", limit=2, window=60, now=NOW + timedelta(seconds=10)) is None
    wait = store.hit_rate_limit("b", limit=2, window=60, now=NOW + timedelta(seconds=20))
    assert wait == pytest.approx(40)
    assert store.hit_rate_limit("b", limit=2, window=60, now=NOW + timedelta(seconds=61)) is None


def test_sessions_end_everywhere(store: Store) -> None:
    user = store.add_user("ada@example.org", role="curator", now=NOW)
    cookie = start_session(store, Settings(), user=user, key=KEY, now=NOW)
    assert session_user(store, cookie=cookie, key=KEY, now=NOW) == user
    assert session_user(store, cookie=cookie + "x", key=KEY, now=NOW) is None
    assert session_user(store, cookie=cookie, key="other" * 10, now=NOW) is None
    assert session_user(store, cookie=cookie, key=KEY, now=NOW + timedelta(days=31)) is None
    end_session(store, cookie=cookie, key=KEY)
    assert session_user(store, cookie=cookie, key=KEY, now=NOW) is None


def test_api_tokens_are_kept_hashed_and_revocable(store: Store) -> None:
    user = store.add_user("ada@example.org", role="reader", now=NOW)
    token = new_api_token(store, user=user, now=NOW)
    rows = store._db().execute("SELECT token_hash FROM api_tokens").fetchall()
    assert rows == [(token_hash(token),)]
    assert bearer_user(store, f"Bearer {token}") == user
    assert bearer_user(store, f"bearer  {token} ") == user
    assert bearer_user(store, f"Basic {token}") is None
    assert bearer_user(store, "Bearer ") is None
    assert store.revoke_api_tokens(user.id, now=NOW) == 1
    assert bearer_user(store, f"Bearer {token}") is None
