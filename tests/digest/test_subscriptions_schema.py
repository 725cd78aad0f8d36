"""Requests generated from ``/openapi.json`` by schemathesis for the subscriptions API:
no server error, every answer one the schema describes, and a valid request stores a
pending subscriber only (mail goes to files in the test's folder)."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from paperwire.store.base_digests import CONFIRMED
from paperwire.web.app import create_app
from tests.api.test_schemathesis import CHECKS
from tests.digest.conftest import Site

Case = schemathesis.Case[Any]
OPERATIONS = [("POST", "/api/v1/subscriptions")]


def test_no_server_error(site: Site) -> None:
    # The per-IP limit (429) is tested in test_subscribe_limits.py: lifted here.
    app = create_app(site.make_settings(subscribe_limit_per_ip=100_000), site.store)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operation = schema["/api/v1/subscriptions"]["POST"]
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )
    statuses: set[int] = set()

    @given(case=cases)
    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def answers_well(case: Case) -> None:
        response = case.call()
        statuses.add(response.status_code)
        case.validate_response(response, checks=CHECKS)

    answers_well()
    assert statuses <= {202, 400, 422} and 422 in statuses  # 202: see test_flow.py
    assert site.store.subscribers(status=CONFIRMED) == []  # nothing confirms without the link
