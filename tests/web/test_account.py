"""Signing in by emailed link, sessions, sign-out and /me, over HTTP with a real database
and the file mail transport (and a real SMTP server on loopback for one test)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from bs4 import BeautifulSoup

from paperwire.auth.links import request_link
from paperwire.http.deps import app_secret
from paperwire.store import Store
from tests.auth.support import LINK, Community, hidden_inputs, make_community, submit_form


@pytest.fixture
def community(store: Store, tmp_path: Path) -> Iterator[Community]:
    made = make_community(store, tmp_path)
    yield made
    made.close()


def count(store: Store, table: str) -> int:
    return len(store._db().execute(f"SELECT * FROM {table}").fetchall())


def test_sign_in_by_link_then_sign_out(community: Community) -> None:
    client = community.client()
    assert "Sign in" in client.get("/").text
    community.sign_in(client, "ada@example.org")
    cookie = next(c for c in client.cookies.jar if c.name == "pw_session")
    assert cookie.has_nonstandard_attr("HttpOnly")
    me = client.get("/me")
    assert me.status_code == 200
    header = BeautifulSoup(me.text, "html.parser").select_one("header .account")
    assert header is not None and "ada@example.org" in header.text
    assert community.store.user_by_email("ada@example.org") is not None  # a new reader
    assert community.store.user_by_email("ada@example.org").role == "reader"  # type: ignore[union-attr]
    stolen = cookie.value

    out = submit_form(client, "/me", "form.signout", {})
    assert out.status_code == 200 and str(out.url).endswith("/")
    assert "Sign in" in out.text
    # The session is gone from the database: a copied cookie no longer works.
    assert count(community.store, "sessions") == 0
    thief = community.client()
    thief.cookies.set("pw_session", stolen)
    assert thief.get("/me", follow_redirects=False).headers["location"] == "/login"


def test_cookie_flags(store: Store, tmp_path: Path) -> None:
    secure = make_community(store, tmp_path, base_url="https://papers.example.org")
    client = secure.client()
    client.base_url = "https://papers.example.org"  # type: ignore[assignment]
    shown = client.get("/login")
    action, values = hidden_inputs(shown.text, "form.login")
    client.post(action, data={**values, "email": "ada@example.org"})
    body = secure.mails()[-1].get_body(("plain",))
    assert body is not None
    token = body.get_content().split("token=")[1].split()[0]
    page = client.get(f"/login/confirm?token={token}")
    action, values = hidden_inputs(page.text, "form.login-confirm")
    answer = client.post(action, data=values, follow_redirects=False)
    assert answer.status_code == 303
    set_cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie and "secure" in set_cookie
    assert "secure" in shown.headers["set-cookie"].lower()  # the CSRF cookie too
    secure.close()


def test_same_answer_for_known_and_unknown_addresses(community: Community) -> None:
    community.store.add_user("known@example.org", role="reader", now=datetime.now(UTC))
    answers = {}
    for email in ("known@example.org", "unknown@example.org"):
        answer = submit_form(community.client(), "/login", "form.login", {"email": email})
        page = BeautifulSoup(answer.text, "html.parser").select_one("main")
        assert page is not None
        answers[email] = (answer.status_code, page.text.replace(email, "EMAIL"))
    assert answers["known@example.org"] == answers["unknown@example.org"]
    # Unknown addresses sign up by their link: both got one, no account exists yet.
    assert community.links("known@example.org") and community.links("unknown@example.org")
    assert community.store.user_by_email("unknown@example.org") is None


def test_signups_off_sends_nothing_to_unknown_addresses(store: Store, tmp_path: Path) -> None:
    closed = make_community(store, tmp_path, allow_signup=False)
    answer = submit_form(closed.client(), "/login", "form.login", {"email": "new@example.org"})
    assert answer.status_code == 200 and "Check your email" in answer.text
    assert closed.mails() == []
    closed.close()


def test_bad_address_is_a_400_and_sends_nothing(community: Community) -> None:
    answer = submit_form(community.client(), "/login", "form.login", {"email": "not-an-address"})
    assert answer.status_code == 400
    assert "valid email address" in answer.text
    assert community.mails() == []


def test_per_address_limit_is_silent(store: Store, tmp_path: Path) -> None:
    limited = make_community(store, tmp_path, login_limit_per_address=2)
    client = limited.client()
    answers = [
        submit_form(client, "/login", "form.login", {"email": "ada@example.org"}) for _ in range(4)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 200]
    assert len({a.text.count("Check your email") for a in answers}) == 1
    assert len(limited.links("ada@example.org")) == 2  # the limit held two mails back
    limited.close()


def test_per_ip_limit_answers_429(store: Store, tmp_path: Path) -> None:
    limited = make_community(store, tmp_path, login_limit_per_ip=3)
    client = limited.client()
    codes = []
    for n in range(5):
        answer = submit_form(client, "/login", "form.login", {"email": f"r{n}@example.org"})
        codes.append(answer.status_code)
    assert codes == [200, 200, 200, 429, 429]
    assert int(answer.headers["retry-after"]) > 0
    assert len(limited.mails()) == 3
    # Counted in the database: a second app on the same file (another process) agrees.
    other = make_community(store, tmp_path, login_limit_per_ip=3)
    late = submit_form(other.client(), "/login", "form.login", {"email": "x@example.org"})
    assert late.status_code == 429
    limited.close()
    other.close()


def test_replayed_link_is_refused(community: Community) -> None:
    client = community.client()
    community.sign_in(client, "ada@example.org")
    link = community.links("ada@example.org")[-1]
    sessions = count(community.store, "sessions")
    again = submit_form(community.client(), link, "form.login-confirm", {})
    assert again.status_code == 400
    assert "already used" in again.text
    assert count(community.store, "sessions") == sessions


def test_expired_link_is_refused(community: Community) -> None:
    key = app_secret(community.app)
    old = datetime.now(UTC) - timedelta(minutes=16)
    link = request_link(
        community.store, community.settings, email="ada@example.org", key=key, now=old
    )
    assert link.url is not None
    answer = submit_form(community.client(), link.url, "form.login-confirm", {})
    assert answer.status_code == 400
    assert "expired" in answer.text
    assert count(community.store, "sessions") == 0
    assert community.store.user_by_email("ada@example.org") is None


def test_a_link_works_until_it_expires(community: Community) -> None:
    key = app_secret(community.app)
    fresh = datetime.now(UTC) - timedelta(minutes=14)
    link = request_link(
        community.store, community.settings, email="ada@example.org", key=key, now=fresh
    )
    assert link.url is not None
    answer = submit_form(community.client(), link.url, "form.login-confirm", {})
    assert answer.status_code == 200 and str(answer.url).endswith("/me")


@pytest.mark.parametrize(
    "token",
    [
        "forged",
        "ImFhYWFhYWFhYWFhYWFhYWFhYWFhIg.Zz9x3A.AAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "",
    ],
)
def test_forged_link_is_refused(community: Community, token: str) -> None:
    client = community.client()
    assert client.get("/login/confirm", params={"token": token}).status_code == 400
    # Posting it directly (with a valid CSRF token) changes nothing either.
    _, values = hidden_inputs(client.get("/login").text, "form.login")
    answer = client.post("/login/confirm", data={**values, "token": token})
    assert answer.status_code == 400
    assert count(community.store, "sessions") == 0 and count(community.store, "users") == 0


def test_a_link_signed_for_another_purpose_is_refused(community: Community) -> None:
    from paperwire.signing import serializer

    key = app_secret(community.app)
    session_like = serializer(key, "session").dumps("x" * 43)
    answer = community.client().get("/login/confirm", params={"token": session_like})
    assert answer.status_code == 400


def test_link_opened_by_a_mail_scanner_stays_usable(community: Community) -> None:
    submit_form(community.client(), "/login", "form.login", {"email": "ada@example.org"})
    link = community.links("ada@example.org")[-1]
    scanner = community.client()
    assert scanner.get(link).status_code == 200  # a GET shows a button, uses nothing
    assert scanner.get(link).status_code == 200
    client = community.client()
    answer = submit_form(client, link, "form.login-confirm", {})
    assert str(answer.url).endswith("/me")


def test_the_confirm_page_sends_no_referrer(community: Community) -> None:
    """docs/accounts.md: the page holding the token asks for no Referer (the route's own
    header is not overwritten by the site-wide one)."""
    submit_form(community.client(), "/login", "form.login", {"email": "ada@example.org"})
    link = community.links("ada@example.org")[-1]
    page = community.client().get(link)
    assert page.status_code == 200
    assert page.headers.get_list("referrer-policy") == ["no-referrer"]
    assert community.client().get("/login").headers["referrer-policy"] == (
        "strict-origin-when-cross-origin"
    )


def test_me_needs_a_session(community: Community) -> None:
    answer = community.client().get("/me", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"


def test_token_in_link_is_the_only_copy_kept_hashed(community: Community) -> None:
    submit_form(community.client(), "/login", "form.login", {"email": "ada@example.org"})
    link = community.links("ada@example.org")[-1]
    token = parse_qs(urlsplit(link).query)["token"][0]
    nonce = token.split(".")[0]
    rows = community.store._db().execute("SELECT * FROM login_links").fetchall()
    assert len(rows) == 1
    assert all(nonce not in str(value) and token not in str(value) for value in rows[0])


class Recorder:
    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            self.messages.append(envelope.content)
        return "250 OK"


def test_link_mailed_through_smtp(store: Store, tmp_path: Path) -> None:
    recorder = Recorder()
    with socket.socket() as probe:  # a free port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        smtp = make_community(store, tmp_path, smtp_url=f"smtp://127.0.0.1:{port}")
        client = smtp.client()
        answer = submit_form(client, "/login", "form.login", {"email": "ada@example.org"})
        assert answer.status_code == 200
        assert len(recorder.messages) == 1
        message = message_from_bytes(recorder.messages[0], policy=policy.default)
        assert message["To"] == "ada@example.org"
        body = message.get_body(("plain",))
        assert body is not None
        (link,) = LINK.findall(body.get_content())
        confirmed = submit_form(client, link, "form.login-confirm", {})
        assert str(confirmed.url).endswith("/me")
        smtp.close()
    finally:
        controller.stop()


def test_mail_failure_is_a_503(store: Store, tmp_path: Path) -> None:
    broken = make_community(store, tmp_path, smtp_url="smtp://127.0.0.1:9", smtp_timeout=2.0)
    answer = submit_form(broken.client(), "/login", "form.login", {"email": "ada@example.org"})
    assert answer.status_code == 503
    broken.close()
