"""The app is built whole before it serves: no request, in any thread, builds a route."""

from __future__ import annotations

import threading
from typing import Any

import fastapi._compat.v2 as fastapi_v2
import pytest
from fastapi.testclient import TestClient

from paperwire.config import Settings
from paperwire.store import Store
from paperwire.web.app import create_app

#: One of each kind of parameter: a form field, a query-parameter model, plain queries,
#: path parameters, and the pages' own forms.
REQUESTS = [
    ("POST", "/login/confirm", {"token": "not-a-token"}),
    ("GET", "/api/v1/search?q=graph&mode=keyword&limit=3", None),
    ("GET", "/api/v1/papers?limit=2", None),
    ("GET", "/api/v1/trending?window=week", None),
    ("GET", "/api/daily_papers?limit=2", None),
    ("GET", "/api/papers/search?q=graph", None),
    ("GET", "/?date=2026-07-01", None),
    ("GET", "/trending?window=day", None),
    ("GET", "/search?q=graph", None),
    ("GET", "/feeds/search.atom?q=graph", None),
    ("GET", "/papers/2401.00001", None),
    ("GET", "/subscribe", None),
]


def test_requests_build_no_route_parameters(
    store: Store, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FastAPI builds a route's parameter fields on first use, silencing a pydantic
    warning with ``warnings.catch_warnings``, which is not thread-safe: two first
    requests in two threads could turn the warning into an error. ``create_app`` builds
    them all up front, so serving builds none."""
    app = create_app(Settings(database_url=db_url), store)
    built: list[str] = []
    original = fastapi_v2.ModelField.__post_init__

    def counting(self: Any) -> None:
        built.append(f"{self.name} in {threading.current_thread().name}")
        original(self)

    monkeypatch.setattr(fastapi_v2.ModelField, "__post_init__", counting)
    client = TestClient(app, base_url="http://testserver")
    for method, url, form in REQUESTS:
        client.request(method, url, data=form)
    assert built == []


def test_starting_writes_the_signing_key_before_any_request(db_url: str) -> None:
    """The signing key is kept in the database, written once: by the starting process,
    not by a reader's first request (which an import could keep waiting)."""
    app = create_app(Settings(database_url=db_url))
    assert app.state.store.get_checkpoint("secret-key") is None
    with TestClient(app, base_url="http://testserver"):
        kept = app.state.store.get_checkpoint("secret-key")
    assert kept is not None and len(kept["key"]) >= 48


def test_starting_opens_the_search_indexes(site: Any) -> None:
    """A process opens its searcher when it starts, so no request waits for it."""
    app = create_app(site.settings)
    assert app.state.searcher is None
    with TestClient(app, base_url="http://testserver"):
        assert app.state.searcher is not None
