"""Upvotes and submissions through /api/v1, on a fresh database, with the arXiv API
served from recorded answers on loopback."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from paperwire.accounts import User
from paperwire.auth.sessions import new_api_token
from paperwire.rank.jobs import run_rank
from paperwire.store import Store, open_store
from tests.auth.support import (
    PUBLISHED,
    Community,
    arxiv_api,
    fixed_clock,
    make_community,
    submit_form,
)
from tests.http_server import Handler, LoopbackServer

NOW = datetime(2026, 7, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def arxiv(serve: Callable[[Handler], LoopbackServer]) -> LoopbackServer:
    return serve(arxiv_api)


@pytest.fixture
def community(store: Store, tmp_path: Path, arxiv: LoopbackServer) -> Iterator[Community]:
    made = make_community(store, tmp_path, arxiv_url=f"{arxiv.url}/api/query")
    fixed_clock(made.app, NOW)
    yield made
    made.close()


def reader(community: Community, email: str = "ada@example.org", role: str = "reader") -> User:
    return community.store.add_user(email, role=role, now=NOW)


def bearer(community: Community, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {new_api_token(community.store, user=user)}"}


def local_upvotes(store: Store, paper_id: str) -> tuple[int, int]:
    """(the paper's kept count, the number of upvote rows): always equal."""
    db = store._db()
    kept = db.execute("SELECT local_upvotes FROM papers WHERE id = ?", (paper_id,)).fetchone()
    rows = db.execute("SELECT count(*) FROM upvotes WHERE paper_id = ?", (paper_id,)).fetchone()
    return int(kept[0]), int(rows[0])


# -- upvotes -----------------------------------------------------------------------------


def test_upvote_needs_a_reader(community: Community) -> None:
    client = community.client()
    for method in ("POST", "DELETE"):
        answer = client.request(method, "/api/v1/papers/2607.00001/upvote")
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == "Bearer"
    forged = {"Authorization": "Bearer pw_not-a-token"}
    assert client.post("/api/v1/papers/2607.00001/upvote", headers=forged).status_code == 401
    assert local_upvotes(community.store, "2607.00001") == (0, 0)


def test_upvote_is_idempotent_and_counts_apart(community: Community) -> None:
    client = community.client()
    headers = bearer(community, reader(community))
    url = "/api/v1/papers/2607.00001/upvote"
    first = client.post(url, headers=headers).json()
    again = client.post(url, headers=headers).json()
    expected = {
        "id": "2607.00001",
        "upvoted": True,
        "upvotes": 6,
        "upvotes_imported": 5,
        "upvotes_local": 1,
    }
    assert first == again == expected
    paper = client.get("/api/v1/papers/2607.00001").json()
    assert (paper["upvotes"], paper["upvotes_imported"], paper["upvotes_local"]) == (6, 5, 1)
    hf = client.get("/api/papers/2607.00001").json()
    assert hf["upvotes"] == 6
    removed = client.delete(url, headers=headers).json()
    assert client.delete(url, headers=headers).json() == removed
    assert removed["upvotes"] == 5 and removed["upvotes_local"] == 0 and not removed["upvoted"]
    assert local_upvotes(community.store, "2607.00001") == (0, 0)


def test_upvote_of_an_unknown_paper_is_404(community: Community) -> None:
    headers = bearer(community, reader(community))
    client = community.client()
    assert client.post("/api/v1/papers/2607.99999/upvote", headers=headers).status_code == 404
    assert client.delete("/api/v1/papers/2607.99999/upvote", headers=headers).status_code == 404


def test_old_style_ids_can_be_upvoted(community: Community) -> None:
    headers = bearer(community, reader(community))
    answer = community.client().post("/api/v1/papers/hep-th/9901001/upvote", headers=headers)
    assert answer.status_code == 200 and answer.json()["upvotes_local"] == 1


def test_listing_orders_by_imported_plus_local(community: Community) -> None:
    client = community.client()

    def daily_order() -> list[str]:
        page = BeautifulSoup(client.get("/?date=2026-07-01").text, "html.parser")
        return [str(card["data-paper"]) for card in page.select("article.card")]

    assert daily_order() == ["2607.00001", "2607.00002"]
    for n in range(6):  # six readers lift the paper without imported upvotes above 5
        headers = bearer(community, reader(community, f"r{n}@example.org"))
        client.post("/api/v1/papers/2607.00002/upvote", headers=headers)
    listed = community.store.list_papers(day=date(2026, 7, 1), order="upvotes")
    assert [(p.id, p.total_upvotes) for p in listed] == [("2607.00002", 6), ("2607.00001", 5)]
    assert daily_order() == ["2607.00002", "2607.00001"]  # the cached page was renewed


def test_revoked_token_is_refused(community: Community) -> None:
    user = reader(community)
    headers = bearer(community, user)
    client = community.client()
    assert client.post("/api/v1/papers/2607.00001/upvote", headers=headers).status_code == 200
    community.store.revoke_api_tokens(user.id, now=NOW)
    assert client.delete("/api/v1/papers/2607.00001/upvote", headers=headers).status_code == 401
    assert local_upvotes(community.store, "2607.00001") == (1, 1)


def test_counts_stay_exact_under_concurrent_clicks(community: Community) -> None:
    """40 readers click 5 times each at once, from 8 threads, through two apps on the
    same database file (two stores: what two processes do)."""
    second_store = open_store(community.store.url)
    second = make_community(second_store, community.outbox.parent)
    apps = [community.app, second.app]
    tokens = [bearer(community, reader(community, f"c{n}@example.org")) for n in range(40)]
    errors: list[Any] = []
    barrier = threading.Barrier(8)

    def click(worker: int) -> None:
        client = TestClient(apps[worker % 2], base_url="http://testserver")
        barrier.wait()
        for headers in tokens[worker::8]:
            for _ in range(5):
                answer = client.post("/api/v1/papers/2607.00002/upvote", headers=headers)
                if answer.status_code != 200:
                    errors.append(answer.text)
        client.close()

    threads = [threading.Thread(target=click, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert local_upvotes(community.store, "2607.00002") == (40, 40)
    paper = community.client().get("/api/v1/papers/2607.00002").json()
    assert paper["upvotes"] == 40
    second.close()
    second_store.close()


def test_upvote_flood_is_limited_and_counts_once(store: Store, tmp_path: Path) -> None:
    limited = make_community(store, tmp_path, upvote_limit=10)
    fixed_clock(limited.app, NOW)
    headers = bearer(limited, limited.store.add_user("ada@example.org", role="reader", now=NOW))
    client = limited.client()
    codes = [
        client.post("/api/v1/papers/2607.00001/upvote", headers=headers).status_code
        for _ in range(50)
    ]
    assert codes[:10] == [200] * 10 and set(codes[10:]) == {429}
    answer = client.delete("/api/v1/papers/2607.00001/upvote", headers=headers)
    assert answer.status_code == 429 and int(answer.headers["retry-after"]) >= 1
    assert local_upvotes(limited.store, "2607.00001") == (1, 1)  # still one
    fixed_clock(limited.app, NOW + timedelta(seconds=61))  # a minute later it works again
    assert client.delete("/api/v1/papers/2607.00001/upvote", headers=headers).status_code == 200
    limited.close()


def test_session_upvote_needs_the_csrf_header(community: Community) -> None:
    client = community.client()
    community.sign_in(client, "ada@example.org")
    url = "/api/v1/papers/2607.00001/upvote"
    assert client.post(url).status_code == 403
    assert client.post(url, json={}).status_code == 403  # JSON does not exempt a session
    assert client.post(url, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert local_upvotes(community.store, "2607.00001") == (0, 0)
    page = client.get("/papers/2607.00001")
    from tests.auth.support import hidden_inputs

    _, values = hidden_inputs(page.text, "form.upvote")
    answer = client.post(url, headers={"X-CSRF-Token": values["csrf_token"]})
    assert answer.status_code == 200 and answer.json()["upvotes_local"] == 1


def test_upvote_form_without_javascript(community: Community) -> None:
    client = community.client()
    community.sign_in(client, "ada@example.org")
    answer = submit_form(client, "/papers/2607.00001", "form.upvote", {})
    assert answer.status_code == 200
    assert local_upvotes(community.store, "2607.00001") == (1, 1)
    from bs4 import BeautifulSoup

    button = BeautifulSoup(answer.text, "html.parser").select_one("form.upvote button")
    assert button is not None and button["aria-pressed"] == "true"
    assert "6" in button.text
    submit_form(client, "/papers/2607.00001", "form.upvote", {})  # pressed again: taken back
    assert local_upvotes(community.store, "2607.00001") == (0, 0)


@pytest.mark.parametrize(
    ("referer", "location"),
    [
        ("http://testserver/trending?window=week", "/trending?window=week"),
        ("http://testserver//evil.example/x", "/papers/2607.00001"),
        ("http://testserver/\\evil.example/x", "/papers/2607.00001"),
        ("http://testserver/%2F%2Fevil.example", "/%2F%2Fevil.example"),
        ("https://evil.example/", "/papers/2607.00001"),
        ("http://testserver.evil.example/x", "/papers/2607.00001"),
        ("//evil.example/x", "/papers/2607.00001"),
        ("/\\evil.example", "/papers/2607.00001"),
        ("javascript:alert(1)", "/papers/2607.00001"),
        ("", "/papers/2607.00001"),
    ],
)
def test_the_upvote_form_goes_back_only_within_the_site(
    community: Community, referer: str, location: str
) -> None:
    client = community.client()
    community.sign_in(client, "ada@example.org")
    answer = submit_form(
        client,
        "/papers/2607.00001",
        "form.upvote",
        {},
        headers={"Referer": referer},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == location


# -- submissions -------------------------------------------------------------------------


def submit(community: Community, headers: dict[str, str], paper: Any) -> Any:
    return community.client().post("/api/v1/submissions", json={"paper": paper}, headers=headers)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "hello",
        "2401.0123456",
        "9913.01234",
        "https://example.org/abs/1707.08567",
        "javascript:alert(1)",
        "1707.08567 OR 1=1",
        "../../etc/passwd",
        "x" * 1000,
    ],
)
def test_garbage_ids_are_400_and_fetch_nothing(
    community: Community, arxiv: LoopbackServer, garbage: str
) -> None:
    headers = bearer(community, reader(community))
    answer = submit(community, headers, garbage)
    assert answer.status_code in (400, 422)  # 422: longer than any reference can be
    assert answer.json()["detail"]
    assert arxiv.requests == []
    assert community.store.count_papers() == 3


def test_submission_needs_a_reader(community: Community, arxiv: LoopbackServer) -> None:
    answer = community.client().post("/api/v1/submissions", json={"paper": "1707.08567"})
    assert answer.status_code == 401
    assert arxiv.requests == []


def test_submit_by_url_puts_the_paper_on_the_daily_feed(
    community: Community, arxiv: LoopbackServer
) -> None:
    fixed_clock(community.app, PUBLISHED["1707.08567"] + timedelta(days=3))
    headers = bearer(community, reader(community))
    answer = submit(community, headers, "https://arxiv.org/abs/1707.08567v2")
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["submission"]["day"] == "2017-07-30"
    assert body["paper"]["id"] == "1707.08567"
    assert body["paper"]["submitted_by"] == "ada"
    assert {"feed": "submitted", "date": "2017-07-30"} in body["paper"]["feed_dates"]
    assert [r.query.get("id_list") for r in arxiv.requests] == ["1707.08567"]
    page = community.client().get("/?date=2017-07-30")
    assert "/papers/1707.08567" in page.text
    daily = community.client().get("/api/daily_papers?date=2017-07-30").json()
    assert [i["paper"]["id"] for i in daily] == ["1707.08567"]


def test_duplicates_are_409(community: Community, arxiv: LoopbackServer) -> None:
    fixed_clock(community.app, PUBLISHED["2104.12255"] + timedelta(days=1))
    headers = bearer(community, reader(community))
    assert submit(community, headers, "2104.12255").status_code == 201
    again = submit(community, headers, "arXiv:2104.12255v1")
    assert again.status_code == 409 and "already" in again.json()["detail"]
    assert len(arxiv.requests) == 1  # the duplicate was refused before asking arXiv
    # A paper of the Hugging Face daily feed is on the feed already.
    assert submit(community, headers, "2607.00001").status_code == 409


def test_unknown_ids_are_404(community: Community) -> None:
    headers = bearer(community, reader(community))
    answer = submit(community, headers, "2607.12345")
    assert answer.status_code == 404
    assert community.store.get_paper("2607.12345") is None


def test_papers_older_than_14_days_are_422(community: Community) -> None:
    headers = bearer(community, reader(community))
    fixed_clock(community.app, PUBLISHED["1605.08386"] + timedelta(days=15))
    answer = submit(community, headers, "1605.08386")
    assert answer.status_code == 422
    assert "2016-05-26" in answer.json()["detail"]
    assert community.store.get_paper("1605.08386") is None
    fixed_clock(community.app, PUBLISHED["1605.08386"] + timedelta(days=13))
    assert submit(community, headers, "1605.08386").status_code == 201


def test_daily_cap_for_readers_not_for_curators(store: Store, tmp_path: Path, arxiv: Any) -> None:
    capped = make_community(
        store,
        tmp_path,
        arxiv_url=f"{arxiv.url}/api/query",
        submission_daily_cap=1,
        submission_max_age_days=100_000,
    )
    fixed_clock(capped.app, NOW)
    headers = bearer(capped, capped.store.add_user("r@example.org", role="reader", now=NOW))
    assert submit(capped, headers, "1605.08386").status_code == 201
    over = submit(capped, headers, "1707.08567")
    assert over.status_code == 429 and int(over.headers["retry-after"]) > 0
    assert capped.store.get_paper("1707.08567") is None
    curator = bearer(capped, capped.store.add_user("c@example.org", role="curator", now=NOW))
    assert submit(capped, curator, "1707.08567").status_code == 201
    assert submit(capped, curator, "2104.12255").status_code == 201
    assert capped.store.get_submission("2104.12255").by_curator  # type: ignore[union-attr]
    capped.close()


def test_curators_pin_hide_and_remove(community: Community) -> None:
    fixed_clock(community.app, PUBLISHED["1707.08567"] + timedelta(days=2))
    headers = bearer(community, reader(community))
    curator = bearer(community, reader(community, "cur@example.org", role="curator"))
    assert submit(community, headers, "1707.08567").status_code == 201
    client = community.client()
    base = "/api/v1/submissions/1707.08567"
    assert client.post(f"{base}/pin", headers=headers).status_code == 403  # readers may not
    assert client.post(f"{base}/pin").status_code == 401
    pinned = client.post(f"{base}/pin", headers=curator).json()
    assert pinned["submission"]["pinned"] is True
    day = "/api/daily_papers?date=2017-07-29"
    assert [i["paper"]["id"] for i in client.get(day).json()] == ["1707.08567"]
    hidden = client.post(f"{base}/hide", headers=curator).json()
    assert hidden["submission"]["hidden"] is True
    assert client.get(day).json() == []  # hidden papers leave the daily feed
    client.post(f"{base}/unhide", headers=curator)
    assert len(client.get(day).json()) == 1
    assert client.post(f"{base}/remove", headers=curator).json()["removed"] is True
    assert client.get(day).json() == []
    assert community.store.get_submission("1707.08567") is None
    assert client.post(f"{base}/remove", headers=curator).status_code == 404
    assert client.post(f"{base}/explode", headers=curator).status_code == 400


def test_pinned_papers_lead_the_daily_feed(store: Store, tmp_path: Path, arxiv: Any) -> None:
    feed = make_community(
        store, tmp_path, arxiv_url=f"{arxiv.url}/api/query", submission_max_age_days=100_000
    )
    fixed_clock(feed.app, NOW)
    headers = bearer(feed, feed.store.add_user("r@example.org", role="reader", now=NOW))
    curator = bearer(feed, feed.store.add_user("c@example.org", role="curator", now=NOW))
    for paper_id in ("1605.08386", "1707.08567"):
        assert submit(feed, headers, paper_id).status_code == 201
    client = feed.client()
    assert client.post("/api/v1/papers/1707.08567/upvote", headers=headers).status_code == 200

    def order() -> tuple[list[str], list[str]]:
        run_rank(feed.store, feed.settings, at=NOW.date())  # as the worker does after a change
        api = client.get(f"/api/daily_papers?date={NOW.date()}&sort=trending").json()
        page = client.get(f"/?date={NOW.date()}").text
        on_page = sorted(("1605.08386", "1707.08567"), key=lambda i: page.index(f"/papers/{i}"))
        return [i["paper"]["id"] for i in api], on_page

    assert order() == (["1707.08567", "1605.08386"], ["1707.08567", "1605.08386"])
    pinned = client.post("/api/v1/submissions/1605.08386/pin", headers=curator)
    assert pinned.status_code == 200
    assert order() == (["1605.08386", "1707.08567"], ["1605.08386", "1707.08567"])
    feed.close()


def test_submit_page_form(community: Community, arxiv: LoopbackServer) -> None:
    fixed_clock(community.app, PUBLISHED["2104.12255"] + timedelta(days=1))
    client = community.client()
    assert client.get("/submit", follow_redirects=False).status_code == 303
    community.sign_in(client, "ada@example.org")
    bad = submit_form(client, "/submit", "form.submit", {"paper": "not an id"})
    assert bad.status_code == 400 and "expected an arXiv id" in bad.text
    good = submit_form(client, "/submit", "form.submit", {"paper": "2104.12255"})
    assert good.status_code == 200 and str(good.url).endswith("/papers/2104.12255")
    me = client.get("/me").text
    assert "/papers/2104.12255" in me
