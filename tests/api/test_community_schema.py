"""Requests generated from ``/openapi.json`` by schemathesis for the community API, sent
with and without an API token: no server error, and every answer is one the schema
describes. (The arXiv API address points at a closed port: submissions that get as far
as fetching answer 502, which the schema lists.)"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode

from paperwire.auth.sessions import new_api_token
from paperwire.store import Store
from tests.api.test_schemathesis import answers_as_described
from tests.auth.support import Community, make_community

OPERATIONS = [
    ("POST", "/api/v1/papers/{paper_id}/upvote"),
    ("DELETE", "/api/v1/papers/{paper_id}/upvote"),
    ("POST", "/api/v1/submissions"),
    ("POST", "/api/v1/submissions/{paper_id}/{action}"),
]


@pytest.fixture
def community(store: Store, tmp_path: Path) -> Iterator[Community]:
    made = make_community(store, tmp_path, upvote_limit=10_000)
    yield made
    made.close()


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_server_error(community: Community, method: str, path: str) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", community.app)
    operation = schema[path][method]
    curator = community.store.add_user("cur@example.org", role="curator", now=datetime.now(UTC))
    token = new_api_token(community.store, user=curator)
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )
    answers_as_described(cases, token, server_errors={502})
