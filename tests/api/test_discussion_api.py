"""``/api/v1/papers/{id}/comments`` and friends on a fresh database: post, reply, list,
edit, delete, vote, report, follow and preview, with a token or a signed-in session
(which needs its CSRF token), and the counts in the Hugging Face compatible API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from paperwire import discussion
from paperwire.auth.sessions import new_api_token
from paperwire.store import Store
from tests.auth.support import Community, make_community

pytestmark = pytest.mark.both_backends

PAPER = "2607.00001"
OLD = datetime.now(UTC) - timedelta(days=30)


@pytest.fixture
def community(store: Store, tmp_path: Path) -> Iterator[Community]:
    made = make_community(store, tmp_path, comment_limit=50)
    yield made
    made.close()


def token_of(community: Community, email: str, role: str = "reader") -> dict[str, str]:
    user = community.store.add_user(email, role=role, now=OLD)
    return {"Authorization": f"Bearer {new_api_token(community.store, user=user)}"}


def url(paper: str = PAPER, rest: str = "") -> str:
    return f"/api/v1/papers/{paper}/comments{rest}"


def test_post_reply_and_list_in_reading_order(community: Community) -> None:
    client = community.client()
    ada = token_of(community, "ada@example.org")
    bo = token_of(community, "bo@example.org")
    made = client.post(url(), json={"body": "Why $O(n)$?", "parent_id": None}, headers=ada)
    assert made.status_code == 201, made.text
    top = made.json()
    assert top["author"] == "ada" and top["parent_id"] is None and top["depth"] == 0
    assert top["body_html"] == '<p>Why <span class="math">O(n)</span>?</p>'
    assert top["upvotes"] == 0 and top["edited"] is False and top["state"] == "visible"
    assert "@" not in str(top)
    second = client.post(url(), json={"body": "Second"}, headers=bo).json()
    reply = client.post(url(), json={"body": "Because.", "parent_id": top["id"]}, headers=bo)
    assert reply.status_code == 201 and reply.json()["depth"] == 1
    voted = client.post(url(rest=f"/{second['id']}/vote"), headers=ada)
    assert voted.json() == {"id": second["id"], "upvotes": 1, "voted": True}

    listed = client.get(url())
    assert listed.status_code == 200
    body = listed.json()
    assert body["count"] == 3 and body["locked"] is False and body["following"] is None
    assert [c["body_markdown"] for c in body["comments"]] == ["Second", "Why $O(n)$?", "Because."]
    by_time = client.get(url(), params={"sort": "time"}).json()["comments"]
    assert [c["body_markdown"] for c in by_time] == ["Why $O(n)$?", "Because.", "Second"]
    mine = client.get(url(), headers=ada).json()
    assert mine["following"] is True
    assert [c["voted"] for c in mine["comments"]] == [True, False, False]
    assert client.get(url(), params={"sort": "best"}).status_code == 400


def test_old_style_ids_and_unknown_papers(community: Community) -> None:
    client = community.client()
    ada = token_of(community, "ada@example.org")
    made = client.post(url("hep-th/9901001"), json={"body": "Old!"}, headers=ada)
    assert made.status_code == 201 and made.json()["paper_id"] == "hep-th/9901001"
    assert client.get(url("hep-th/9901001")).json()["count"] == 1
    assert client.get(url("2607.99999")).status_code == 404
    assert client.post(url("2607.99999"), json={"body": "x"}, headers=ada).status_code == 404


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"body": ""}, 422),
        ({"body": "\x00\x07 "}, 422),
        ({"body": "x" * 10_001}, 422),
        ({"body": "x" * 1_000_000}, 422),
        ({"body": "ok", "extra": 1}, 422),
        ({"body": "ok", "parent_id": 999_999}, 404),
        ({"body": "ok", "parent_id": 0}, 422),
        ({}, 422),
    ],
)
def test_bodies_that_cannot_be_used_are_refused_with_a_message(
    community: Community, body: dict[str, object], status: int
) -> None:
    client = community.client()
    answer = client.post(url(), json=body, headers=token_of(community, "ada@example.org"))
    assert answer.status_code == status, answer.text
    assert isinstance(answer.json()["detail"], str)
    assert client.get(url()).json()["count"] == 0


def test_edit_delete_and_who_may(community: Community) -> None:
    client = community.client()
    ada = token_of(community, "ada@example.org")
    bo = token_of(community, "bo@example.org")
    made = client.post(url(), json={"body": "tpyo"}, headers=ada).json()
    path = url(rest=f"/{made['id']}")
    assert client.patch(path, json={"body": "mine"}, headers=bo).status_code == 403
    edited = client.patch(path, json={"body": "typo"}, headers=ada)
    assert edited.status_code == 200 and edited.json()["edited"] is True
    assert edited.json()["body_html"] == "<p>typo</p>"
    assert client.delete(path, headers=bo).status_code == 403
    assert client.delete(path, headers=ada).status_code == 204
    assert client.get(url()).json() == {
        "paper_id": PAPER,
        "count": 0,
        "locked": False,
        "following": None,
        "comments": [],
    }
    assert client.delete(path, headers=ada).status_code == 404


def test_a_session_needs_its_csrf_token_and_nobody_gets_401(community: Community) -> None:
    client = community.client()
    assert client.post(url(), json={"body": "anonymous"}).status_code == 401
    community.store.add_user("ada@example.org", role="reader", now=OLD)
    community.sign_in(client, "ada@example.org")
    refused = client.post(url(), json={"body": "no token"})
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    page = client.get(f"/papers/{PAPER}")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    made = client.post(url(), json={"body": "with token"}, headers={"X-CSRF-Token": token})
    assert made.status_code == 201, made.text
    preview = client.post(
        "/api/v1/comments/preview",
        json={"body": "<b>x</b> $y$"},
        headers={"X-CSRF-Token": token},
    )
    assert preview.json() == {
        "body_html": '<p>&lt;b&gt;x&lt;/b&gt; <span class="math">y</span></p>'
    }


def test_the_comment_limit_answers_429_with_retry_after(store: Store, tmp_path: Path) -> None:
    community = make_community(store, tmp_path, comment_limit=2)
    client = community.client()
    ada = token_of(community, "ada@example.org")
    for n in range(2):
        assert client.post(url(), json={"body": f"c{n}"}, headers=ada).status_code == 201
    refused = client.post(url(), json={"body": "c2"}, headers=ada)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "at most 2" in refused.json()["detail"]
    community.close()


def test_a_hidden_comment_leaves_the_api_and_every_count(community: Community) -> None:
    client = community.client()
    ada = token_of(community, "ada@example.org")
    kept = client.post(url(), json={"body": "kept"}, headers=ada).json()
    gone = client.post(url(), json={"body": "<script>spam</script>"}, headers=ada).json()
    bo = token_of(community, "bo@example.org")
    reported = client.post(url(rest=f"/{gone['id']}/report"), json={"reason": "spam"}, headers=bo)
    assert reported.status_code == 202 and reported.json() == {"id": gone["id"], "reported": True}

    def counts() -> tuple[int, int, int]:
        daily = client.get("/api/daily_papers", params={"date": "2026-07-01"}).json()
        item = next(i for i in daily if i["paper"]["id"] == PAPER)
        return (
            client.get(url()).json()["count"],
            item["numComments"],
            client.get(f"/api/papers/{PAPER}").json()["numComments"],
        )

    assert counts() == (2, 2, 2)
    curator = community.store.user_by_email("cy@example.org") or community.store.add_user(
        "cy@example.org", role="curator", now=OLD
    )
    discussion.moderate(
        community.store,
        curator=curator,
        paper_id=PAPER,
        comment_id=gone["id"],
        action="hide",
        now=datetime.now(UTC),
    )
    assert counts() == (1, 1, 1)
    assert [c["id"] for c in client.get(url(), headers=ada).json()["comments"]] == [kept["id"]]
    assert "spam" not in client.get(url()).text
    vote = client.post(url(rest=f"/{gone['id']}/vote"), headers=bo)
    assert vote.status_code == 404


def test_follow_and_unfollow(community: Community) -> None:
    client = community.client()
    ada = token_of(community, "ada@example.org")
    assert client.put(f"/api/v1/papers/{PAPER}/follow", headers=ada).json() == {
        "paper_id": PAPER,
        "following": True,
    }
    assert client.get(url(), headers=ada).json()["following"] is True
    assert client.delete(f"/api/v1/papers/{PAPER}/follow", headers=ada).json()["following"] is False
    assert client.get(url(), headers=ada).json()["following"] is False


def test_the_operations_are_in_the_openapi_document(community: Community) -> None:
    paths = community.client().get("/openapi.json").json()["paths"]
    assert set(paths["/api/v1/papers/{paper_id}/comments"]) == {"get", "post"}
    assert set(paths["/api/v1/papers/{paper_id}/comments/{comment_id}"]) == {"patch", "delete"}
    post = paths["/api/v1/papers/{paper_id}/comments"]["post"]
    assert "201" in post["responses"] and "429" in post["responses"]
