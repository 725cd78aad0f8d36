"""Operations: /healthz, /metrics, security headers, the response cache, request logs."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import Request
from fastapi.responses import HTMLResponse, PlainTextResponse
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from paperwire.config import Settings
from paperwire.errors import StoreError
from paperwire.http.conditional import etag_matches
from paperwire.models import Author, FeedDate, Paper
from paperwire.rank.jobs import run_rank
from paperwire.store import Store
from paperwire.web.app import create_app
from paperwire.web.metrics import checkpoint_time
from paperwire.web.middleware import JsonFormatter, logging_config

NONCE = re.compile(r"'nonce-([A-Za-z0-9_-]+)'")


def paper(pid: str, day: str = "2026-07-01") -> Paper:
    return Paper(
        id=pid,
        title=f"Paper {pid}",
        abstract="An abstract.",
        authors=[Author("Ada Lovelace")],
        categories=["cs.LG"],
        published_at=datetime(2026, 6, 30, 12, 0, tzinfo=UTC),
        feed_dates=[FeedDate(datetime.fromisoformat(day).date(), "arxiv")],
        sources=["test"],
    )


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url)


@pytest.fixture
def renders() -> list[str]:
    return []


@pytest.fixture
def client(store: Store, settings: Settings, renders: list[str]) -> Iterator[TestClient]:
    """The app on a store of three papers, with a few probe routes that count renders."""
    store.upsert_papers([paper("2607.00001"), paper("2607.00002"), paper("2607.00003")])
    run_rank(store, settings)  # the trending feed reads stored rankings
    app = create_app(settings, store)

    @app.get("/probe/page")
    def page(request: Request) -> HTMLResponse:
        renders.append("page")
        nonce = request.state.nonce
        return HTMLResponse(f'<html><script nonce="{nonce}">1</script>{len(renders)}</html>')

    @app.get("/probe/cookie")
    def cookie() -> PlainTextResponse:
        renders.append("cookie")
        response = PlainTextResponse("hello")
        response.set_cookie("session", "abc")
        return response

    @app.get("/probe/private")
    def private() -> PlainTextResponse:
        renders.append("private")
        return PlainTextResponse("mine", headers={"Cache-Control": "private"})

    @app.get("/probe/vary")
    def vary() -> PlainTextResponse:
        renders.append("vary")
        return PlainTextResponse("one of several", headers={"Vary": "Accept-Language"})

    @app.get("/probe/missing")
    def missing() -> PlainTextResponse:
        renders.append("missing")
        return PlainTextResponse("nope", status_code=404)

    with TestClient(app) as test_client:
        yield test_client


def metrics(client: TestClient) -> dict[str, list[Any]]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    found: dict[str, list[Any]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append(sample)
    return found


# -- /healthz ----------------------------------------------------------------------------


def test_healthz_ok(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.text.strip() == "ok"
    assert response.headers["cache-control"] == "no-store"


class BrokenStore:
    """A store whose database does not answer."""

    url = "sqlite:///broken"

    def __getattr__(self, name: str) -> Any:
        def fail(*args: object, **kwargs: object) -> Any:
            raise StoreError("database is locked")

        return fail


def test_healthz_503_when_the_database_does_not_answer(settings: Settings) -> None:
    app = create_app(settings, BrokenStore())
    with TestClient(app) as client:
        response = client.get("/healthz")
        assert response.status_code == 503
        assert "database unavailable" in response.text
        scraped = metrics(client)
        assert scraped["paperwire_database_up"][0].value == 0
        assert "paperwire_papers" not in scraped


def test_healthz_503_after_the_store_closed(store: Store, settings: Settings) -> None:
    with TestClient(create_app(settings, store)) as client:
        assert client.get("/healthz").status_code == 200
        store.close()
        assert client.get("/healthz").status_code == 503


# -- /metrics ----------------------------------------------------------------------------


def test_metrics_count_requests_per_route(client: TestClient) -> None:
    def count(route: str, status: str) -> float:
        samples = metrics(client).get("paperwire_http_requests_total", [])
        matching = [
            float(s.value)
            for s in samples
            if s.labels["route"] == route and s.labels["status"] == status
        ]
        return sum(matching)

    before = count("/feeds/daily.atom", "200")
    for _ in range(3):
        assert client.get("/feeds/daily.atom").status_code == 200
    assert count("/feeds/daily.atom", "200") == before + 3
    before_404 = count("unmatched", "404")
    client.get("/no/such/page")
    assert count("unmatched", "404") == before_404 + 1
    latency = metrics(client)["paperwire_http_request_duration_seconds_count"]
    assert any(s.labels["route"] == "/feeds/daily.atom" and s.value >= 3 for s in latency)


def test_metrics_papers_and_last_fetch(client: TestClient, store: Store) -> None:
    scraped = metrics(client)
    assert scraped["paperwire_database_up"][0].value == 1
    assert scraped["paperwire_papers"][0].value == 3
    assert scraped.get("paperwire_last_fetch_timestamp_seconds", []) == []

    store.set_checkpoint(
        "arxiv:cs.LG",
        {"from": "2026-06-30T10:00:00+00:00", "to": "2026-07-01T10:00:00+00:00", "complete": True},
    )
    store.set_checkpoint(
        "hf-daily", {"last_complete_day": "2026-06-30", "last_fetched_day": "2026-07-01"}
    )
    store.upsert_papers([paper("2607.00004")])
    scraped = metrics(client)
    assert scraped["paperwire_papers"][0].value == 4
    last = {s.labels["checkpoint"]: s for s in scraped["paperwire_last_fetch_timestamp_seconds"]}
    assert set(last) == {"arxiv:cs.LG", "hf-daily"}
    assert last["arxiv:cs.LG"].labels["source"] == "arxiv"
    assert last["hf-daily"].labels["source"] == "hf-daily"
    now = time.time()
    written = {  # what the checkpoint values say, or when they were written
        "arxiv:cs.LG": datetime(2026, 7, 1, 10, tzinfo=UTC).timestamp(),
        "hf-daily": datetime(2026, 7, 1, tzinfo=UTC).timestamp(),
    }
    for name, sample in last.items():
        assert sample.value == written[name] or abs(sample.value - now) < 120, name


def test_checkpoint_time_from_values() -> None:
    assert checkpoint_time({"to": "2026-07-01T10:00:00+00:00"}) == datetime(
        2026, 7, 1, 10, tzinfo=UTC
    )
    assert checkpoint_time({"day": "2026-06-30"}) == datetime(2026, 6, 30, tzinfo=UTC)
    assert checkpoint_time({"started": "2026-06-29", "resumption_token": "x"}) == datetime(
        2026, 6, 29, tzinfo=UTC
    )
    assert checkpoint_time({"start": 200, "to": None}) is None


# -- security headers --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/healthz", "/metrics", "/feeds/daily.atom", "/probe/page", "/no/such/page"]
)
def test_security_headers(client: TestClient, url: str) -> None:
    headers = client.get(url).headers
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "object-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert NONCE.search(csp), csp
    assert "'unsafe-inline'" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert headers["x-frame-options"] == "DENY"


# -- the response cache ------------------------------------------------------------------


def nonces(response: Any) -> tuple[str, str]:
    match = NONCE.search(response.headers["content-security-policy"])
    assert match
    body = re.search(r'nonce="([^"]+)"', response.text)
    assert body
    return match.group(1), body.group(1)


def test_a_page_is_rendered_once_per_data_change(
    client: TestClient, store: Store, renders: list[str]
) -> None:
    first = client.get("/probe/page")
    second = client.get("/probe/page")
    assert renders == ["page"]
    assert second.text.endswith("1</html>")
    # each answer has its own nonce, in its header and in its body alike
    header_1, body_1 = nonces(first)
    header_2, body_2 = nonces(second)
    assert header_1 == body_1 and header_2 == body_2
    assert header_1 != header_2
    # a write to the store renders it again
    store.upsert_papers([paper("2607.00009")])
    assert client.get("/probe/page").text.endswith("2</html>")
    assert renders == ["page", "page"]
    # another query string is another answer
    client.get("/probe/page?x=1")
    assert renders == ["page", "page", "page"]


def test_requests_waiting_for_a_page_are_answered_before_a_slow_client_has_read_it(
    client: TestClient, renders: list[str]
) -> None:
    """Concurrent misses of one page wait for the first rendering; they get the copy as
    soon as it is rendered, not once the first client has read it (a slow reader of a
    large page held every request for that page behind it)."""
    app = client.app
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/probe/page",
        "raw_path": b"/probe/page",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
        "app": app,
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def scenario() -> list[str]:
        read = asyncio.Event()
        events: list[str] = []

        async def slow_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body":
                await read.wait()  # the first client reads only when told to
                events.append("slow client read")

        async def quick_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body":
                events.append("waiting request answered")

        slow = asyncio.create_task(app(dict(scope), receive, slow_send))
        await asyncio.sleep(0.05)  # the first request renders and blocks on sending
        quick = asyncio.create_task(app(dict(scope), receive, quick_send))
        await asyncio.wait_for(quick, timeout=5)
        read.set()
        await asyncio.wait_for(slow, timeout=5)
        return events

    events = asyncio.run(scenario())
    assert events == ["waiting request answered", "slow client read"]
    assert renders == ["page"]


def test_what_is_not_cached(client: TestClient, renders: list[str]) -> None:
    for _ in range(2):
        client.get("/probe/cookie")
        client.get("/probe/private")
        client.get("/probe/missing")
        client.get("/probe/vary")
    assert renders.count("cookie") == 2
    assert renders.count("vary") == 2
    assert renders.count("private") == 2
    assert renders.count("missing") == 2
    client.cookies.set("pw_session", "abc")
    client.get("/probe/page")
    client.get("/probe/page")
    assert renders.count("page") == 2  # a signed-in request is never served a copy


def test_cache_expires_and_can_be_turned_off(client: TestClient, renders: list[str]) -> None:
    cache = client.app.state.response_cache  # type: ignore[attr-defined]
    client.get("/probe/page")
    cache.ttl = 0.0
    time.sleep(0.01)
    client.get("/probe/page")
    assert renders.count("page") == 2
    client.app.state.response_cache = None  # type: ignore[attr-defined]
    client.get("/probe/page")
    client.get("/probe/page")
    assert renders.count("page") == 4


def test_cached_answers_honour_conditional_requests(client: TestClient) -> None:
    first = client.get("/feeds/trending.atom")
    assert client.get("/feeds/trending.atom").content == first.content  # a cached copy
    hits = client.app.state.response_cache.hits  # type: ignore[attr-defined]
    again = client.get("/feeds/trending.atom", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert "content-security-policy" in again.headers
    assert client.app.state.response_cache.hits == hits + 1  # type: ignore[attr-defined]
    since = client.get(
        "/feeds/trending.atom", headers={"If-Modified-Since": first.headers["last-modified"]}
    )
    assert since.status_code == 304


def test_cache_metrics(client: TestClient) -> None:
    client.get("/probe/page")
    client.get("/probe/page")
    results = {
        s.labels["result"]: s.value for s in metrics(client)["paperwire_http_response_cache_total"]
    }
    assert results["hit"] >= 1 and results["miss"] >= 1


def test_etag_matching() -> None:
    assert etag_matches('"a"', '"a"')
    assert etag_matches('"b", W/"a"', '"a"')
    assert etag_matches("*", '"a"')
    assert not etag_matches('"b"', '"a"')


# -- logs --------------------------------------------------------------------------------


def test_one_json_log_line_per_request(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="paperwire.web"):
        client.get("/feeds/daily.rss?limit=2")
    records = [r for r in caplog.records if r.name == "paperwire.web" and r.msg == "request"]
    assert len(records) == 1
    line = JsonFormatter().format(records[0])
    assert "\n" not in line
    data = json.loads(line)
    assert data["message"] == "request"
    assert data["method"] == "GET"
    assert data["route"] == "/feeds/daily.rss"
    assert data["path"] == "/feeds/daily.rss"
    assert data["status"] == 200
    assert isinstance(data["ms"], float) and data["ms"] >= 0
    assert data["level"] == "info" and data["logger"] == "paperwire.web"
    datetime.fromisoformat(data["time"])


def test_logging_config_is_valid() -> None:
    import logging.config

    config = logging_config("WARNING")
    assert config["loggers"]["uvicorn.access"]["handlers"] == []
    logging.config.dictConfig({**config, "loggers": {}})  # the formatter and handler load
