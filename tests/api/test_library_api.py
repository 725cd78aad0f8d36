"""A reader's library and recommendations through /api/v1, on real SQLite databases:
with an API token and with a session (changes need the CSRF header), other readers'
lists, bad input, export and import, and recommendations on the indexed sample.
Requests generated from ``/openapi.json`` by schemathesis for every operation close."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from schemathesis import GenerationMode

from paperwire.api.library_files import IMPORT_LIMIT
from paperwire.auth.sessions import new_api_token
from paperwire.library_formats import MAX_BYTES
from paperwire.store import Store
from tests.api.conftest import Served
from tests.api.test_schemathesis import answers_as_described
from tests.auth.support import Community, fixed_clock, hidden_inputs, make_community

Case = schemathesis.Case[Any]
NOW = datetime(2026, 7, 2, 9, 30, tzinfo=UTC)
#: The papers ``make_community`` stores.
FIRST, SECOND, OLD = "2607.00001", "2607.00002", "hep-th/9901001"

OPERATIONS = [
    ("GET", "/api/v1/library"),
    ("POST", "/api/v1/library/lists"),
    ("GET", "/api/v1/library/lists/{list_id}"),
    ("PATCH", "/api/v1/library/lists/{list_id}"),
    ("DELETE", "/api/v1/library/lists/{list_id}"),
    ("PUT", "/api/v1/library/lists/{list_id}/papers/{paper_id}"),
    ("DELETE", "/api/v1/library/lists/{list_id}/papers/{paper_id}"),
    ("GET", "/api/v1/library/lists/{list_id}/recommendations"),
    ("POST", "/api/v1/library/papers"),
    ("GET", "/api/v1/library/papers/{paper_id}"),
    ("PATCH", "/api/v1/library/papers/{paper_id}"),
    ("DELETE", "/api/v1/library/papers/{paper_id}"),
    ("GET", "/api/v1/library/export"),
    ("POST", "/api/v1/library/import"),
    ("GET", "/api/v1/library/interests"),
    ("POST", "/api/v1/library/interests"),
    ("DELETE", "/api/v1/library/interests/{kind}/{value}"),
    ("GET", "/api/v1/recommendations"),
]


@pytest.fixture
def community(store: Store, tmp_path: Path) -> Iterator[Community]:
    made = make_community(store, tmp_path)
    fixed_clock(made.app, NOW)
    yield made
    made.close()


def bearer(store: Store, email: str) -> dict[str, str]:
    user = store.ensure_user(email, now=NOW)
    return {"Authorization": f"Bearer {new_api_token(store, user=user)}"}


def signed_in(community: Community, email: str) -> tuple[TestClient, dict[str, str]]:
    """A browser-like client with a session, and the CSRF header its changes need."""
    client = community.client()
    community.sign_in(client, email)
    _, values = hidden_inputs(client.get("/me").text, "form.signout")
    return client, {"X-CSRF-Token": values["csrf_token"]}


def make_list(client: TestClient, headers: dict[str, str], name: str, **more: Any) -> int:
    made = client.post("/api/v1/library/lists", json={"name": name, **more}, headers=headers)
    assert made.status_code == 201, made.text
    list_id: int = made.json()["id"]
    return list_id


def library(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    answer = client.get("/api/v1/library", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


# -- who may ask ---------------------------------------------------------------------------


def test_every_route_needs_a_reader(community: Community) -> None:
    client = community.client()
    asked = [
        ("GET", "/api/v1/library", None),
        ("POST", "/api/v1/library/lists", {"name": "x"}),
        ("PATCH", "/api/v1/library/lists/1", {"name": "y"}),
        ("DELETE", "/api/v1/library/lists/1", None),
        ("PUT", f"/api/v1/library/lists/1/papers/{FIRST}", None),
        ("DELETE", f"/api/v1/library/lists/1/papers/{FIRST}", None),
        ("GET", "/api/v1/library/lists/1/recommendations", None),
        ("POST", "/api/v1/library/papers", {"papers": [FIRST]}),
        ("GET", f"/api/v1/library/papers/{FIRST}", None),
        ("PATCH", f"/api/v1/library/papers/{FIRST}", {"is_read": True}),
        ("DELETE", f"/api/v1/library/papers/{FIRST}", None),
        ("GET", "/api/v1/library/export", None),
        ("POST", "/api/v1/library/import", {"format": "paperwire-library"}),
        ("GET", "/api/v1/library/interests", None),
        ("POST", "/api/v1/library/interests", {"kind": "topic", "value": "graphs"}),
        ("DELETE", "/api/v1/library/interests/topic/graphs", None),
        ("GET", "/api/v1/recommendations", None),
        ("GET", "/api/v1/library/lists/1", None),  # no such list: not public either
    ]
    forged = {"Authorization": "Bearer pw_not-a-token"}
    for method, path, body in asked:
        for headers in ({}, forged):
            answer = client.request(method, path, json=body, headers=headers)
            assert answer.status_code == 401, (method, path, answer.text)
            assert "Bearer" in answer.json()["detail"]
    assert community.store.interests(1) == []


def test_a_script_with_a_token_does_what_a_reader_does(community: Community) -> None:
    client = community.client()
    headers = bearer(community.store, "ada@example.org")
    empty = library(client, headers)
    assert empty["lists"] == [] and empty["papers"] is None and empty["next"] is None
    assert empty["counts"] == {"papers": 0, "saved": 0, "read": 0, "hidden": 0, "notes": 0}

    saved = client.post(
        "/api/v1/library/papers",
        json={"papers": [f"https://arxiv.org/abs/{FIRST}v1", "2699.99999", FIRST]},
        headers=headers,
    ).json()
    assert saved["added"] == [FIRST] and saved["unknown"] == ["2699.99999"]
    assert saved["list"]["name"] == "Saved" and saved["list"]["is_default"]
    default_id = saved["list"]["id"]

    reading = make_list(client, headers, "To read")
    put = client.put(f"/api/v1/library/lists/{reading}/papers/{OLD}", headers=headers)
    assert put.status_code == 200 and put.json()["changed"] is True
    assert put.json()["lists"] == ["To read"]
    again = client.put(f"/api/v1/library/lists/{reading}/papers/{OLD}", headers=headers)
    assert again.json()["changed"] is False  # idempotent
    client.put(f"/api/v1/library/lists/{reading}/papers/{SECOND}", headers=headers)

    shown = client.get(f"/api/v1/library/lists/{reading}", params={"limit": 1}, headers=headers)
    page = shown.json()
    assert page["is_owner"] is True and page["list"]["count"] == 2
    assert [p["id"] for p in page["papers"]] == [SECOND]  # the last added first
    assert page["papers"][0]["library"]["lists"] == ["To read"]
    assert page["papers"][0]["title"] == "A Paper Nobody Upvoted Yet"
    following = client.get(page["next"].removeprefix("http://testserver"), headers=headers)
    assert [p["id"] for p in following.json()["papers"]] == [OLD]
    assert following.json()["next"] is None

    marked = client.patch(
        f"/api/v1/library/papers/{FIRST}",
        json={"is_read": True, "note": "  Compare with\x07 the baseline.  "},
        headers=headers,
    )
    assert marked.status_code == 200, marked.text
    entry = marked.json()
    assert entry["is_read"] and entry["note"] == "Compare with the baseline."
    assert entry["changed"] and entry["lists"] == ["Saved"]
    hidden = client.patch(
        f"/api/v1/library/papers/{SECOND}", json={"is_hidden": True}, headers=headers
    )
    assert hidden.json()["is_hidden"] and hidden.json()["lists"] == ["To read"]  # kept
    got = client.get(f"/api/v1/library/papers/{FIRST}", headers=headers).json()
    assert got["note"] == "Compare with the baseline." and "changed" not in got
    unmarked = client.patch(f"/api/v1/library/papers/{FIRST}", json={"note": None}, headers=headers)
    assert unmarked.json()["note"] is None and unmarked.json()["is_read"] is True

    renamed = client.patch(
        f"/api/v1/library/lists/{reading}",
        json={"name": "Reading group", "is_public": True},
        headers=headers,
    )
    assert renamed.status_code == 200
    assert (renamed.json()["name"], renamed.json()["is_public"]) == ("Reading group", True)

    whole = library(client, headers, papers="true")
    assert [lst["name"] for lst in whole["lists"]] == ["Saved", "Reading group"]
    assert [lst["count"] for lst in whole["lists"]] == [1, 2]
    assert whole["counts"] == {"papers": 3, "saved": 3, "read": 1, "hidden": 1, "notes": 0}
    assert {p["id"] for p in whole["papers"]} == {FIRST, SECOND, OLD}
    only_hidden = library(client, headers, papers="true", only="hidden")
    assert [p["id"] for p in only_hidden["papers"]] == [SECOND]

    out = client.delete(f"/api/v1/library/lists/{reading}/papers/{OLD}", headers=headers)
    assert out.json()["changed"] is True and out.json()["lists"] == []
    everywhere = client.delete(f"/api/v1/library/papers/{FIRST}", headers=headers)
    assert everywhere.json()["lists"] == [] and everywhere.json()["is_read"]  # marks stay
    gone = client.delete(f"/api/v1/library/lists/{reading}", headers=headers)
    assert gone.status_code == 204 and gone.content == b""
    assert client.get(f"/api/v1/library/lists/{reading}", headers=headers).status_code == 404
    assert [lst["id"] for lst in library(client, headers)["lists"]] == [default_id]

    followed = client.post(
        "/api/v1/library/interests",
        json={"kind": "author", "value": " Ada  Lovelace "},
        headers=headers,
    )
    assert followed.status_code == 201 and followed.json()["value"] == "Ada Lovelace"
    twice = client.post(
        "/api/v1/library/interests",
        json={"kind": "author", "value": "Ada Lovelace"},
        headers=headers,
    )
    assert twice.status_code == 200
    client.post(
        "/api/v1/library/interests", json={"kind": "topic", "value": "graphs"}, headers=headers
    )
    listed = client.get("/api/v1/library/interests", headers=headers).json()["interests"]
    assert [(i["kind"], i["value"]) for i in listed] == [
        ("author", "Ada Lovelace"), ("topic", "graphs"),
    ]  # fmt: skip
    dropped = client.delete("/api/v1/library/interests/author/Ada%20Lovelace", headers=headers)
    assert dropped.status_code == 204
    missing = client.delete("/api/v1/library/interests/author/Ada%20Lovelace", headers=headers)
    assert missing.status_code == 404 and "Ada Lovelace" in missing.json()["detail"]
    assert [i["value"] for i in library(client, headers)["interests"]] == ["graphs"]


def test_a_session_needs_the_csrf_header_for_changes(community: Community) -> None:
    client, csrf = signed_in(community, "ada@example.org")
    assert library(client, {})["lists"] == []  # reading needs no token
    changes = [
        ("POST", "/api/v1/library/lists", {"name": "Diffusion"}),
        ("POST", "/api/v1/library/papers", {"papers": [FIRST]}),
        ("PATCH", f"/api/v1/library/papers/{SECOND}", {"is_read": True}),
        ("POST", "/api/v1/library/interests", {"kind": "topic", "value": "graphs"}),
    ]
    for method, path, body in changes:
        for headers in ({}, {"X-CSRF-Token": "forged"}):
            refused = client.request(method, path, json=body, headers=headers)
            assert refused.status_code == 403, (method, path)
            assert "CSRF" in refused.json()["detail"]
    refused = client.post(
        "/api/v1/library/import", content=FIRST, headers={"Content-Type": "text/plain"}
    )
    assert refused.status_code == 403
    assert library(client, {})["counts"]["papers"] == 0  # nothing happened
    assert library(client, {})["interests"] == []

    for method, path, body in changes:
        done = client.request(method, path, json=body, headers=csrf)
        assert done.status_code in (200, 201), (method, path, done.text)
    lists = {lst["name"]: lst["id"] for lst in library(client, {})["lists"]}
    assert set(lists) == {"Saved", "Diffusion"}
    diffusion = lists["Diffusion"]
    more = [
        ("PUT", f"/api/v1/library/lists/{diffusion}/papers/{OLD}"),
        ("DELETE", f"/api/v1/library/lists/{diffusion}/papers/{OLD}"),
        ("DELETE", f"/api/v1/library/papers/{FIRST}"),
        ("DELETE", "/api/v1/library/interests/topic/graphs"),
        ("DELETE", f"/api/v1/library/lists/{diffusion}"),
    ]
    for method, path in more:
        assert client.request(method, path).status_code == 403, (method, path)
        done = client.request(method, path, headers=csrf)
        assert done.status_code in (200, 204), (method, path, done.text)
    renamed = client.patch(
        f"/api/v1/library/lists/{lists['Saved']}", json={"is_public": True}, headers=csrf
    )
    assert renamed.json()["is_public"] is True
    imported = client.post(
        "/api/v1/library/import",
        content=f"{OLD}\n",
        headers={**csrf, "Content-Type": "text/plain"},
    )
    assert imported.status_code == 200 and imported.json()["lists"] == {"Saved": 1}
    exported = client.get("/api/v1/library/export")
    assert exported.status_code == 200 and OLD in exported.text
    final = library(client, {}, papers="true")
    assert final["counts"] == {"papers": 2, "saved": 1, "read": 1, "hidden": 0, "notes": 0}
    assert [lst["name"] for lst in final["lists"]] == ["Saved"] and final["interests"] == []


# -- other readers' lists ----------------------------------------------------------------------


def test_another_reader_cannot_read_or_change_a_private_list(community: Community) -> None:
    client = community.client()
    ada = bearer(community.store, "ada@example.org")
    bob = bearer(community.store, "bob@example.org")
    private = make_list(client, ada, "Private")
    client.put(f"/api/v1/library/lists/{private}/papers/{FIRST}", headers=ada)
    tried = [
        client.get(f"/api/v1/library/lists/{private}", headers=bob),
        client.patch(f"/api/v1/library/lists/{private}", json={"name": "Mine"}, headers=bob),
        client.patch(f"/api/v1/library/lists/{private}", json={"is_public": True}, headers=bob),
        client.put(f"/api/v1/library/lists/{private}/papers/{SECOND}", headers=bob),
        client.delete(f"/api/v1/library/lists/{private}/papers/{FIRST}", headers=bob),
        client.get(f"/api/v1/library/lists/{private}/recommendations", headers=bob),
        client.get("/api/v1/library/export", params={"list_id": private}, headers=bob),
        client.delete(f"/api/v1/library/lists/{private}", headers=bob),
    ]
    for answer in tried:
        assert answer.status_code == 404, answer.request.url
        assert answer.json()["detail"] == f"no list {private} of yours"
    nowhere = client.get("/api/v1/library/lists/999999", headers=bob)
    assert (nowhere.status_code, nowhere.json()) == (404, {"detail": "no list 999999 of yours"})
    anonymous = client.get(f"/api/v1/library/lists/{private}")
    assert anonymous.status_code == 401
    mine = client.get(f"/api/v1/library/lists/{private}", headers=ada).json()
    assert mine["list"]["name"] == "Private" and mine["list"]["is_public"] is False
    assert [p["id"] for p in mine["papers"]] == [FIRST]
    assert library(client, bob)["counts"]["papers"] == 0  # nothing went to Bob either


def test_a_public_list_shows_its_papers_without_the_owners_marks(community: Community) -> None:
    client = community.client()
    ada = bearer(community.store, "ada@example.org")
    bob = bearer(community.store, "bob@example.org")
    shared = make_list(client, ada, "Shared", is_public=True)
    client.put(f"/api/v1/library/lists/{shared}/papers/{FIRST}", headers=ada)
    client.patch(f"/api/v1/library/papers/{FIRST}", json={"note": "secret"}, headers=ada)
    for headers in (bob, {}):
        seen = client.get(f"/api/v1/library/lists/{shared}", headers=headers)
        assert seen.status_code == 200
        assert seen.json()["is_owner"] is False
        assert [(p["id"], p["library"]) for p in seen.json()["papers"]] == [(FIRST, None)]
        assert "secret" not in seen.text
    described = seen.json()["list"]
    assert described["public_url"] == f"http://testserver/lists/{shared}"
    assert described["feed_url"] == f"http://testserver/feeds/lists/{shared}.atom"
    page = client.get(described["public_url"])
    assert page.status_code == 200 and "A Paper With Imported Upvotes" in page.text
    private = client.patch(
        f"/api/v1/library/lists/{shared}", json={"is_public": False}, headers=ada
    )
    assert private.json()["public_url"] is None and private.json()["feed_url"] is None
    assert client.get(f"/api/v1/library/lists/{shared}", headers=bob).status_code == 404
    client.patch(f"/api/v1/library/lists/{shared}", json={"is_public": True}, headers=ada)
    filtered = client.get(f"/api/v1/library/lists/{shared}", params={"only": "notes"}, headers=bob)
    assert filtered.status_code == 400 and filtered.json()["detail"].startswith("only:")
    changed = client.put(f"/api/v1/library/lists/{shared}/papers/{SECOND}", headers=bob)
    assert changed.status_code == 404
    assert client.get(f"/api/v1/library/lists/{shared}", headers=ada).json()["list"]["count"] == 1


# -- bad input -------------------------------------------------------------------------------


def test_bad_input_is_a_clear_4xx(community: Community) -> None:
    client = community.client()
    headers = bearer(community.store, "ada@example.org")
    saved = make_list(client, headers, "Saved")
    huge_id = 2**70
    lib, text = "/api/v1/library", {"Content-Type": "text/plain"}
    cases: list[tuple[str, str, dict[str, Any], int, str]] = [
        ("PUT", f"{lib}/lists/{saved}/papers/2699.99999", {}, 404, "no paper"),
        ("PATCH", f"{lib}/papers/2699.99999", {"json": {"is_read": True}}, 404, "no paper"),
        ("GET", f"{lib}/papers/" + "9" * 300, {}, 400, "paper_id"),
        ("GET", f"{lib}/lists/{huge_id}", {}, 400, "list_id"),
        ("GET", f"{lib}/lists/first", {}, 400, "list_id"),
        ("POST", f"{lib}/lists", {"json": {"name": "x" * 81}}, 422, "name:"),
        ("POST", f"{lib}/lists", {"json": {"name": " \x07 "}}, 422, "a list needs a name"),
        ("POST", f"{lib}/lists", {"json": {"name": "saved"}}, 409, "already"),
        ("POST", f"{lib}/lists", {"json": {"name": "x", "shared": 1}}, 422, "shared"),
        ("PATCH", f"{lib}/lists/{saved}", {"json": {"name": "Mine"}}, 422, "keeps its name"),
        ("PATCH", f"{lib}/lists/{saved}", {"json": {}}, 422, "give a new name"),
        ("PATCH", f"{lib}/papers/{FIRST}", {"json": {}}, 422, "give is_read"),
        ("PATCH", f"{lib}/papers/{FIRST}", {"json": {"note": "n" * 20_001}}, 422, "note:"),
        ("PATCH", f"{lib}/papers/{FIRST}", {"json": {"is_read": "maybe"}}, 422, "is_read"),
        ("POST", f"{lib}/papers", {"json": {"papers": []}}, 422, "papers:"),
        ("POST", f"{lib}/papers", {"json": {"papers": ["x" * 501]}}, 422, "papers.0"),
        (
            "POST", f"{lib}/lists",
            {"content": b'{"name": "x"', "headers": {"Content-Type": "application/json"}},
            422, "body: not valid JSON",
        ),
        (
            "POST", f"{lib}/lists", {"content": b'{"name": "x"}', "headers": text},
            415, "application/json",
        ),
        (
            "POST", f"{lib}/import",
            {"content": b"2607.00001", "headers": {"Content-Type": "multipart/form-data"}},
            415, "Content-Type",
        ),
        ("POST", f"{lib}/import", {"content": b"", "headers": text}, 422, "empty"),
        ("POST", f"{lib}/import", {"content": b"\xff\xfe2607", "headers": text}, 422, "UTF-16"),
        (
            "POST", f"{lib}/import",
            {"content": b'{"lists": [', "headers": {"Content-Type": "application/json"}},
            422, "import:1",
        ),
        (
            "POST", f"{lib}/import?list_name=" + "x" * 81,
            {"content": b"2607.00001", "headers": text},
            400, "list_name",
        ),
        ("GET", f"{lib}/export?format=csv", {}, 400, "format"),
        ("GET", f"{lib}/export?list_id=424242", {}, 404, "no list 424242"),
        ("GET", f"{lib}?limit=1000", {}, 400, "limit"),
        ("GET", f"{lib}?only=starred", {}, 400, "only"),
        ("POST", f"{lib}/interests", {"json": {"kind": "venue", "value": "x"}}, 422, "kind"),
        (
            "POST", f"{lib}/interests", {"json": {"kind": "topic", "value": "t" * 201}},
            422, "value",
        ),
        ("DELETE", f"{lib}/interests/venue/x", {}, 400, "kind"),
    ]  # fmt: skip
    for method, path, kwargs, status, words in cases:
        sent = {**kwargs, "headers": {**headers, **kwargs.get("headers", {})}}
        answer = client.request(method, path, **sent)
        assert answer.status_code == status, (method, path, answer.text)
        detail = answer.json()["detail"]
        assert isinstance(detail, str) and words in detail, (method, path, detail)
    other = make_list(client, headers, "Other")
    both = client.patch(
        f"{lib}/lists/{other}", json={"is_public": True, "name": "SAVED"}, headers=headers
    )
    assert both.status_code == 409  # the name is taken: the list is not shared either
    whole = library(client, headers, papers="true")
    assert [(lst["name"], lst["is_public"]) for lst in whole["lists"]] == [
        ("Saved", False), ("Other", False),
    ]  # fmt: skip
    assert whole["papers"] == [] and whole["interests"] == []


def test_a_huge_import_is_refused_and_changes_nothing(community: Community) -> None:
    client = community.client()
    headers = {**bearer(community.store, "ada@example.org"), "Content-Type": "text/plain"}
    body = (FIRST + "\n").encode() * (MAX_BYTES // 11 + 1)
    assert len(body) > MAX_BYTES
    answer = client.post("/api/v1/library/import", content=body, headers=headers)
    assert answer.status_code == 413 and "MiB" in answer.json()["detail"]
    assert library(client, headers)["counts"]["papers"] == 0


def test_an_import_reports_what_it_took_and_what_it_could_not(community: Community) -> None:
    client = community.client()
    headers = bearer(community.store, "ada@example.org")
    bib = (
        "@article{known, title={A}, eprint={2607.00001}, archivePrefix={arXiv}}\n"
        "@article{nowhere, title={B}, eprint={2601.99999}, archivePrefix={arXiv}}\n"
        "@article{noid, title={C without any identifier}}\n"
    )
    answer = client.post(
        "/api/v1/library/import",
        params={"list_name": "From Zotero"},
        content=bib,
        headers={**headers, "Content-Type": "application/x-bibtex"},
    )
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["format"] == "bibtex" and report["lists"] == {"From Zotero": 1}
    assert report["unknown"] == ["2601.99999"] and report["ok"] is False
    assert len(report["problems"]) == 1 and report["problems"][0].startswith("import:3")
    assert "1 unknown" in report["summary"]
    lists = library(client, headers)["lists"]
    assert [(lst["name"], lst["count"]) for lst in lists] == [("From Zotero", 1)]


def test_export_and_import_carry_a_library_between_readers(community: Community) -> None:
    client = community.client()
    ada = bearer(community.store, "ada@example.org")
    bob = bearer(community.store, "bob@example.org")
    client.post("/api/v1/library/papers", json={"papers": [FIRST, OLD]}, headers=ada)
    group = make_list(client, ada, "Reading group", is_public=True)
    client.put(f"/api/v1/library/lists/{group}/papers/{SECOND}", headers=ada)
    client.patch(
        f"/api/v1/library/papers/{FIRST}", json={"note": "good", "is_read": True}, headers=ada
    )
    client.patch(f"/api/v1/library/papers/{SECOND}", json={"is_hidden": True}, headers=ada)
    client.post("/api/v1/library/interests", json={"kind": "topic", "value": "graphs"}, headers=ada)

    exported = client.get("/api/v1/library/export", headers=ada)
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "application/json"
    assert exported.headers["content-disposition"].startswith("attachment; filename=")
    document = exported.json()
    assert document["format"] == "paperwire-library"

    imported = client.post(
        "/api/v1/library/import",
        content=exported.content,
        headers={**bob, "Content-Type": "application/json"},
    )
    assert imported.status_code == 200, imported.text
    report = imported.json()
    assert report["ok"] and report["lists"] == {"Saved": 2, "Reading group": 1}
    assert (report["read"], report["hidden"], report["notes"], report["interests"]) == (1, 1, 1, 1)
    assert report["public"] == ["Reading group"]

    def shape(headers: dict[str, str]) -> Any:
        whole = library(client, headers, papers="true")
        lists = [(lst["name"], lst["count"], lst["is_public"]) for lst in whole["lists"]]
        entries = sorted(
            (p["id"], p["library"]["lists"], p["library"]["is_read"], p["library"]["is_hidden"],
             p["library"]["note"])
            for p in whole["papers"]
        )  # fmt: skip
        return lists, whole["counts"], [i["value"] for i in whole["interests"]], entries

    assert shape(bob) == shape(ada)
    again = client.get("/api/v1/library/export", headers=bob).json()
    for key in ("lists", "papers", "interests"):
        assert json.dumps(again.get(key), sort_keys=True) == json.dumps(
            document.get(key), sort_keys=True
        ), key

    bibtex = client.get(
        "/api/v1/library/export", params={"format": "bibtex", "list_id": group}, headers=ada
    )
    assert bibtex.headers["content-type"].startswith("application/x-bibtex")
    assert bibtex.text.count("@") == 1 and SECOND in bibtex.text
    carol = bearer(community.store, "carol@example.org")
    back = client.post(
        "/api/v1/library/import",
        content=bibtex.content,
        headers={**carol, "Content-Type": "application/x-bibtex"},
    ).json()
    assert back["format"] == "bibtex" and back["lists"] == {"Saved": 1} and back["ok"]


def test_imports_are_limited_per_reader(community: Community) -> None:
    client = community.client()
    headers = {**bearer(community.store, "ada@example.org"), "Content-Type": "text/plain"}
    for _ in range(IMPORT_LIMIT):
        answer = client.post("/api/v1/library/import", content=FIRST, headers=headers)
        assert answer.status_code == 200
    limited = client.post("/api/v1/library/import", content=SECOND, headers=headers)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert "imports" in limited.json()["detail"]
    other = bearer(community.store, "bob@example.org")
    assert client.post(
        "/api/v1/library/import", content=SECOND, headers={**other, "Content-Type": "text/plain"}
    ).status_code == 200  # fmt: skip
    assert library(client, headers)["counts"]["papers"] == 1  # the refused one was not taken


# -- recommendations (the indexed sample) ------------------------------------------------------

SINCE, UNTIL = "2026-06-24", "2026-06-30"
#: "Today" for the recommendation tests: a week after the sample's last days begin.
SAMPLE_NOW = datetime(2026, 7, 1, 8, tzinfo=UTC)


@pytest.fixture
def sample_time(served: Served) -> Iterator[Served]:
    """The served app's clock set to ``SAMPLE_NOW`` (so 7 days ago is ``SINCE``)."""
    fixed_clock(served.app, SAMPLE_NOW)
    yield served
    del served.app.state.clock


def ids_of(answer: Any) -> list[str]:
    return [p["id"] for p in answer.json()["papers"]]


def test_recommendations_leave_out_the_library_and_carry_reasons(sample_time: Served) -> None:
    served = sample_time
    client = served.client
    headers = bearer(served.store, "reader@example.org")
    nothing = client.get("/api/v1/recommendations", headers=headers)
    assert nothing.status_code == 200
    assert nothing.json() == {"since": SINCE, "until": None, "has_signals": False, "papers": []}

    found = client.get(
        "/api/v1/search",
        params={"q": "robot", "mode": "keyword", "until": "2026-06-23", "limit": 6},
    )
    library_ids = ids_of(found)
    assert len(library_ids) == 6
    client.post("/api/v1/library/papers", json={"papers": library_ids}, headers=headers)
    params: dict[str, str | int] = {"since": SINCE, "until": UNTIL, "limit": 10}
    first = client.get("/api/v1/recommendations", params=params, headers=headers)
    assert first.status_code == 200, first.text
    answer = first.json()
    assert (answer["since"], answer["until"], answer["has_signals"]) == (SINCE, UNTIL, True)
    picks = answer["papers"]
    assert len(picks) == 10
    assert [p["score"] for p in picks] == sorted((p["score"] for p in picks), reverse=True)
    for pick in picks:
        assert pick["reason"] and pick["title"] and pick["url"].startswith("http://paperwire.test")
        assert pick["close_to"] and set(pick["close_to"]) <= set(library_ids)
        assert all(term in pick["reason"] for term in pick["terms"])
        assert SINCE <= min(d["date"] for d in pick["feed_dates"]) <= UNTIL
    assert not set(ids_of(first)) & set(library_ids)

    saved, hidden, upvoted = ids_of(first)[:3]
    client.post("/api/v1/library/papers", json={"papers": [saved]}, headers=headers)
    client.patch(f"/api/v1/library/papers/{hidden}", json={"is_hidden": True}, headers=headers)
    assert client.post(f"/api/v1/papers/{upvoted}/upvote", headers=headers).status_code == 200
    again = client.get("/api/v1/recommendations", params={**params, "limit": 100}, headers=headers)
    left = set(ids_of(again))
    assert left and not left & {saved, hidden, upvoted, *library_ids}


def test_more_like_a_list(sample_time: Served) -> None:
    served = sample_time
    client = served.client
    ada = bearer(served.store, "ada.like@example.org")
    bob = bearer(served.store, "bob.like@example.org")
    found = client.get(
        "/api/v1/search",
        params={"q": "language model", "mode": "keyword", "until": "2026-06-23", "limit": 5},
    )
    made = client.post("/api/v1/library/lists", json={"name": "LLMs"}, headers=ada).json()
    client.post(
        "/api/v1/library/papers", json={"papers": ids_of(found), "list_name": "LLMs"}, headers=ada
    )
    url = f"/api/v1/library/lists/{made['id']}/recommendations"
    like = client.get(url, params={"since": "2026-06-20", "limit": 5}, headers=ada)
    assert like.status_code == 200, like.text
    assert len(ids_of(like)) == 5 and not set(ids_of(like)) & set(ids_of(found))
    assert all(p["reason"] for p in like.json()["papers"])
    assert client.get(url, params={"since": "2026-06-20"}, headers=bob).status_code == 404
    client.patch(f"/api/v1/library/lists/{made['id']}", json={"is_public": True}, headers=ada)
    assert client.get(url, params={"since": "2026-06-20"}, headers=bob).status_code == 200


def test_recommendation_parameters_are_checked(served: Served) -> None:
    client = served.client
    headers = bearer(served.store, "checker@example.org")
    cases = [
        ({"since": "yesterday"}, "since: expected YYYY-MM-DD"),
        ({"since": "2026-02-30"}, "since: expected YYYY-MM-DD"),
        ({"since": "0001-01-01"}, "since: out of range"),
        ({"since": SINCE, "until": "2026-06-01"}, "until: 2026-06-01 is before since"),
        ({"since": "2026-01-01", "until": "2026-06-30"}, "since: at most 31 days"),
        ({"since": "1900-01-01"}, "since: at most 31 days"),
        ({"limit": "1000"}, "limit:"),
        ({"limit": "0"}, "limit:"),
        ({"limit": "ten"}, "limit:"),
    ]
    for params, words in cases:
        answer = client.get("/api/v1/recommendations", params=params, headers=headers)
        assert answer.status_code == 400, (params, answer.text)
        assert words in answer.json()["detail"], (params, answer.json())
    later = client.get("/api/v1/recommendations", params={"since": "2999-12-01"}, headers=headers)
    assert later.status_code == 200 and later.json()["papers"] == []  # no papers yet


# -- generated requests ---------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_server_error(community: Community, method: str, path: str) -> None:
    """Generated requests, with and without a token, and about a list and papers that
    exist: never a server error, every answer as ``/openapi.json`` describes it."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", community.app)
    operation = schema[path][method]
    store = community.store
    user = store.ensure_user("gen@example.org", now=NOW)
    token = new_api_token(store, user=user)
    reading = store.ensure_list(user.id, "Reading", now=NOW)
    store.add_to_list(reading.id, [FIRST, OLD], now=NOW)
    known: dict[str, list[Any]] = {
        "list_id": [reading.id],
        "paper_id": [FIRST, OLD, "2607.00002v3"],
        "kind": ["topic"],
        "value": ["graphs"],
    }
    strategies: list[SearchStrategy[Case]] = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    names = [name for name in known if f"{{{name}}}" in path]
    if names:
        chosen = st.fixed_dictionaries({name: st.sampled_from(known[name]) for name in names})
        strategies.append(chosen.flatmap(lambda p: operation.as_strategy(path_parameters=p)))
    cases = st.one_of(*strategies)
    answers_as_described(cases, token)
