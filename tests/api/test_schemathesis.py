"""Requests generated from ``/openapi.json`` by schemathesis, sent to the ASGI app: no
answer of the JSON APIs is a server error, and every answer is one the schema describes
(status code, content type, body).

Each operation gets ``2 * MAX_EXAMPLES`` requests, valid ones and invalid ones (a wrong
type, a limit out of range, an unknown enum value...), and for paper routes also ones
about papers that exist. The cases come from each
operation's hypothesis strategy: schemathesis' lazy pytest loader
(``schemathesis.pytest.from_fixture``) does not run under pytest 9.2, which no longer
has the ``Item._nodeid`` attribute it renames, and the app needs the module's store.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from urllib.parse import unquote

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import Served

Case = schemathesis.Case[Any]

MAX_EXAMPLES = 25

OPERATIONS = [
    ("GET", "/api/v1/papers"),
    ("GET", "/api/v1/papers/{paper_id}"),
    ("GET", "/api/v1/papers/{paper_id}/similar"),
    ("GET", "/api/v1/search"),
    ("GET", "/api/v1/trending"),
    ("GET", "/api/daily_papers"),
    ("GET", "/api/papers/search"),
    ("GET", "/api/papers/{arxiv_id}"),
]
KNOWN_IDS = ["2606.13392", "2606.13681v2", "hep-th/9901001", "2606.32040", "arXiv:2606.08063"]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def answers_as_described(
    cases: SearchStrategy[Case], token: str, *, server_errors: Collection[int] = ()
) -> None:
    """Each of 40 ``cases`` (derandomized) sent with ``Authorization: Bearer token`` or
    without it: no server error but those of ``server_errors`` (502 from an upstream that
    cannot be reached), and every answer of a routed request one the schema describes."""

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
        assert response.status_code < 500 or response.status_code in server_errors, response.text
        if routed(case):
            case.validate_response(response, checks=CHECKS, headers=headers)

    answers_well()


def routed(case: Case) -> bool:
    """Whether the request reaches the operation's route. Starlette matches a path
    parameter up to a line break only, so an id holding one reaches no route and the
    app's own 404 (``{"detail": "Not Found"}``) answers: still no server error."""
    return "\n" not in unquote(case.formatted_path)


@pytest.fixture(scope="module")
def api_schema(served: Served) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", served.app)


def test_every_api_operation_is_exercised(api_schema: schemathesis.BaseSchema) -> None:
    """Every operation under /api/ is generated against, here or in the test module of
    the operations that need a signed-in reader."""
    from tests.api import test_community_schema, test_discussion_schema, test_library_api
    from tests.digest import test_subscriptions_schema

    found = set()
    for result in api_schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        if operation.path.startswith("/api/"):
            found.add((operation.method.upper(), operation.path))
    elsewhere = (
        test_community_schema.OPERATIONS
        + test_discussion_schema.OPERATIONS
        + test_subscriptions_schema.OPERATIONS
        + test_library_api.OPERATIONS
    )
    assert found == set(OPERATIONS) | set(elsewhere)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_server_error(api_schema: schemathesis.BaseSchema, method: str, path: str) -> None:
    operation = api_schema[path][method]
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    for name in ("paper_id", "arxiv_id"):
        if f"{{{name}}}" in path:  # also ask about papers that exist, not only made-up ids

            def about(known: str, name: str = name) -> SearchStrategy[Case]:
                return operation.as_strategy(path_parameters={name: known})

            strategies.append(st.sampled_from(KNOWN_IDS).flatmap(about))
    cases = st.one_of(*strategies)

    @given(case=cases)
    @settings(
        max_examples=2 * MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def answers_well(case: Case) -> None:
        response = case.call()
        if routed(case):
            case.validate_response(response, checks=CHECKS)
        else:
            assert response.status_code == 404
            case.validate_response(response, checks=[not_a_server_error])

    answers_well()
