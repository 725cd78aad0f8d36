"""Cross-site request forgery: every form carries a token, every state-changing request
without a valid one is refused with 403 and changes nothing; pages with a token are never
kept in the shared response cache, and the anonymous CSRF cookie does not stop caching."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from paperwire.store import Store
from paperwire.web.middleware import ResponseCache
from tests.auth.support import Community, hidden_inputs, make_community, submit_form

PAGES = ["/", "/papers/2607.00001", "/login", "/submit", "/me", "/subscribe", "/trending"]


@pytest.fixture
def community(store: Store, tmp_path: Path) -> Iterator[Community]:
    made = make_community(store, tmp_path)
    yield made
    made.close()


def snapshot(store: Store) -> dict[str, list[tuple[object, ...]]]:
    db = store._db()
    tables = [
        r[0]
        for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT IN ('rate_events', 'checkpoints')"
        )
    ]
    return {t: sorted(db.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}


def post_forms(client: TestClient, extra: list[str]) -> list[tuple[str, dict[str, str]]]:
    """(action, fields) of every POST form on the pages."""
    found: dict[str, dict[str, str]] = {}
    for page in PAGES + extra:
        shown = client.get(page)
        soup = BeautifulSoup(shown.text, "html.parser")
        for form in soup.select("form"):
            if str(form.get("method", "get")).lower() != "post":
                continue
            fields = {
                str(i["name"]): str(i.get("value", "x") or "x")
                for i in form.select("input, textarea")
                if i.get("name")
            }
            found.setdefault(str(form["action"]), fields)
    return sorted(found.items())


def test_every_form_has_a_token_and_refuses_a_post_without_one(community: Community) -> None:
    client = community.client()
    community.sign_in(client, "ada@example.org")
    link = community.links("ada@example.org")[-1]
    forms = post_forms(client, [link.removeprefix("http://testserver")])
    anonymous = community.client()
    forms += post_forms(anonymous, [])
    actions = {action for action, _ in forms}
    assert {"/login", "/login/confirm", "/logout", "/submit", "/upvote"} <= actions
    assert all("csrf_token" in fields for _, fields in forms), forms
    before = snapshot(community.store)
    mails = len(community.mails())
    for action, fields in forms:
        without = {k: v for k, v in fields.items() if k != "csrf_token"}
        for attempt in (without, {**without, "csrf_token": "forged"}):
            for who in (client, anonymous):
                answer = who.post(action, data=attempt, follow_redirects=False)
                assert answer.status_code == 403, (action, answer.status_code)
                assert "CSRF" in answer.text
    assert snapshot(community.store) == before
    assert len(community.mails()) == mails
    assert client.get("/me").status_code == 200  # still signed in: /logout was refused


def test_a_token_belongs_to_its_visitor(community: Community) -> None:
    mallory, victim = community.client(), community.client()
    _, values = hidden_inputs(mallory.get("/login").text, "form.login")
    victim.get("/login")
    answer = victim.post("/login", data={**values, "email": "victim@example.org"})
    assert answer.status_code == 403
    assert community.mails() == []


def test_no_cookie_no_form_post(community: Community) -> None:
    client = community.client()
    _, values = hidden_inputs(client.get("/login").text, "form.login")
    client.cookies.clear()
    assert client.post("/login", data={**values, "email": "a@example.org"}).status_code == 403


def test_unknown_paths_and_methods_keep_their_answers(community: Community) -> None:
    client = community.client()
    assert client.post("/no-such-page").status_code == 404
    assert client.post("/trending").status_code == 405


def signed_value(token: str) -> str:
    """The value a CSRF token signs (the visitor's cookie), without its timestamp and
    signature (``value.timestamp.signature``)."""
    return token.rsplit(".", 2)[0]


def test_form_pages_are_never_cached(community: Community) -> None:
    cache = community.app.state.response_cache
    assert isinstance(cache, ResponseCache)
    first, second = community.client(), community.client()
    a = first.get("/login")
    b = second.get("/login")
    assert a.headers["cache-control"] == "private, no-store"
    token_a = hidden_inputs(a.text, "form.login")[1]["csrf_token"]
    token_b = hidden_inputs(b.text, "form.login")[1]["csrf_token"]
    assert token_a != token_b
    again = first.get("/login")  # with the CSRF cookie now: still its own, fresh render
    token_again = hidden_inputs(again.text, "form.login")[1]["csrf_token"]
    # signed afresh (its timestamp may be a second later), for this visitor's own cookie
    assert signed_value(token_again) == signed_value(token_a) != signed_value(token_b)
    assert ("testserver", "", "/login", "") not in cache._entries


def test_the_csrf_cookie_does_not_stop_caching(community: Community) -> None:
    cache = community.app.state.response_cache
    client = community.client()
    client.get("/login")  # gets the CSRF cookie
    assert "pw_csrf" in client.cookies
    hits = cache.hits
    client.get("/trending")
    client.get("/trending")
    assert cache.hits == hits + 1
    community.sign_in(client, "ada@example.org")  # a session makes pages personal
    hits = cache.hits
    page = client.get("/trending")
    assert "ada@example.org" in page.text
    assert cache.hits == hits
    stranger = community.client()
    assert "ada@example.org" not in stranger.get("/trending").text


def test_forms_work_with_their_token(community: Community) -> None:
    answer = submit_form(community.client(), "/login", "form.login", {"email": "a@example.org"})
    assert answer.status_code == 200
    assert len(community.mails()) == 1


def test_bearer_requests_need_no_token(community: Community) -> None:
    from paperwire.auth.sessions import new_api_token
    from tests.api.test_community import NOW

    user = community.store.add_user("ada@example.org", role="reader", now=NOW)
    token = new_api_token(community.store, user=user)
    client = community.client()
    client.get("/login")  # a CSRF cookie but no token sent: the bearer token suffices
    answer = client.post(
        "/api/v1/papers/2607.00001/upvote", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200


def test_cross_site_form_to_the_api_is_refused(community: Community) -> None:
    client = community.client()
    community.sign_in(client, "ada@example.org")
    answer = client.post(
        "/api/v1/submissions",
        content='{"paper": "1707.08567"}',
        headers={"Content-Type": "text/plain"},
    )
    assert answer.status_code == 403
    assert community.store.get_submission("1707.08567") is None


@pytest.mark.parametrize("bearer", ["bogus", "valid"])
def test_a_bearer_header_beside_the_session_cookie_does_not_skip_the_check(
    community: Community, bearer: str
) -> None:
    """A cross-site form cannot add the header, but nothing else should trust it: only a
    request signed in by a live token and carrying no session cookie skips the check."""
    from paperwire.auth.sessions import new_api_token
    from tests.api.test_community import NOW

    user = community.store.add_user("bob@example.org", role="reader", now=NOW)
    token = new_api_token(community.store, user=user) if bearer == "valid" else "pw_nothing"
    client = community.client()
    community.sign_in(client, "ada@example.org")
    sessions = len(community.store._db().execute("SELECT * FROM sessions").fetchall())
    answer = client.post(
        "/logout", headers={"Authorization": f"Bearer {token}"}, follow_redirects=False
    )
    assert answer.status_code == 403
    assert len(community.store._db().execute("SELECT * FROM sessions").fetchall()) == sessions
    assert client.get("/me", follow_redirects=False).status_code == 200  # still signed in


def test_a_bogus_bearer_token_does_not_skip_the_check(community: Community) -> None:
    client = community.client()
    client.get("/login")
    answer = client.post(
        "/submit", data={"paper": "1707.08567"}, headers={"Authorization": "Bearer pw_bogus"}
    )
    assert answer.status_code == 403
