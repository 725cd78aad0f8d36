"""Requests generated from ``/openapi.json`` by schemathesis for the community API, sent
with and without an API token: no server error, and every answer is one the schema
describes. (The arXiv API address points at a closed port: submissions that get as far
as fetching answer 502, which the schema lists.)"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from paperwire.auth.sessions import new_api_token
from paperwire.store import Store
from tests.api.test_schemathesis import CHECKS, routed
from tests.auth.support import Community, make_community

Case = schemathesis.Case[Any]
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

    @given(case=cases, signed=st.booleans())
    @settings(
        max_examples=40,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def answers_well(case: Case, signed: bool) -> None:
        headers = {"Authorization": f"Bearer {token}"} if signed else {}
        response = case.call(headers=headers)
        assert response.status_code < 500 or response.status_code == 502
        if routed(case):
            case.validate_response(response, checks=CHECKS, headers=headers)

    answers_well()
