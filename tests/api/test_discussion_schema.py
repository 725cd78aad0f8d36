"""Requests generated from ``/openapi.json`` by schemathesis for the discussion API,
sent with and without an API token, about a paper with comments and about made-up ones:
no server error, and every answer is one the schema describes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode

from paperwire import discussion
from paperwire.auth.sessions import new_api_token
from paperwire.store import Store
from tests.api.test_schemathesis import answers_as_described
from tests.auth.support import Community, make_community

OPERATIONS = [
    ("GET", "/api/v1/papers/{paper_id}/comments"),
    ("POST", "/api/v1/papers/{paper_id}/comments"),
    ("PATCH", "/api/v1/papers/{paper_id}/comments/{comment_id}"),
    ("DELETE", "/api/v1/papers/{paper_id}/comments/{comment_id}"),
    ("POST", "/api/v1/papers/{paper_id}/comments/{comment_id}/vote"),
    ("DELETE", "/api/v1/papers/{paper_id}/comments/{comment_id}/vote"),
    ("POST", "/api/v1/papers/{paper_id}/comments/{comment_id}/report"),
    ("PUT", "/api/v1/papers/{paper_id}/follow"),
    ("DELETE", "/api/v1/papers/{paper_id}/follow"),
    ("POST", "/api/v1/comments/preview"),
]
PAPER = "2607.00001"


@pytest.fixture
def community(store: Store, tmp_path: Path) -> Iterator[Community]:
    made = make_community(store, tmp_path, comment_limit=10_000, upvote_limit=10_000)
    yield made
    made.close()


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_server_error(community: Community, method: str, path: str) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", community.app)
    operation = schema[path][method]
    now = datetime.now(UTC)
    reader = community.store.add_user("ada@example.org", role="reader", now=now - timedelta(9))
    token = new_api_token(community.store, user=reader)
    made = discussion.post_comment(
        community.store, community.settings, user=reader, paper_id=PAPER, body="Hi", now=now
    )
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    if "{paper_id}" in path:
        known = {"paper_id": PAPER}
        if "{comment_id}" in path:
            known["comment_id"] = str(made.id)
        strategies.append(operation.as_strategy(path_parameters=known))
    cases = st.one_of(*strategies)
    answers_as_described(cases, token)
