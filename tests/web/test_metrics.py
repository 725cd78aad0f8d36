"""/metrics as deployers expect it: conventional names, the process and Python
collectors, and the outbox, subscribers and jobs read from the database at each scrape."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from paperwire.config import Settings
from paperwire.store import Store
from paperwire.store.base_digests import SUSPENDED, OutboxEntry, Preferences
from paperwire.web.app import create_app
from tests.served import free_port, stop, wait_for

NOW = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def client(store: Store, db_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=db_url), store)) as test_client:
        yield test_client


def scrape(client: TestClient) -> tuple[dict[str, str], dict[str, list[Any]]]:
    """The type of each family and the samples of each name."""
    response = client.get("/metrics")
    assert response.status_code == 200
    types: dict[str, str] = {}
    samples: dict[str, list[Any]] = {}
    for family in text_string_to_metric_families(response.text):
        types[family.name] = family.type
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(sample)
    return types, samples


def by_label(samples: list[Any], label: str) -> dict[str, float]:
    return {s.labels[label]: s.value for s in samples}


def test_request_metrics_have_conventional_names(client: TestClient) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/feeds/daily.atom").status_code == 200
    types, samples = scrape(client)
    assert types["paperwire_http_request_duration_seconds"] == "histogram"
    assert types["paperwire_http_requests"] == "counter"  # exposed as ..._total
    assert types["paperwire_http_response_cache"] == "counter"
    buckets = samples["paperwire_http_request_duration_seconds_bucket"]
    assert {s.labels["route"] for s in buckets} >= {"/healthz", "/feeds/daily.atom"}
    assert any(s.labels["le"] == "+Inf" and s.value >= 1 for s in buckets)
    totals = samples["paperwire_http_requests_total"]
    assert any(s.labels["route"] == "/healthz" and s.labels["status"] == "200" for s in totals)
    assert "paperwire_http_response_cache_total" in samples
    # the old, unconventional names are gone
    assert not [name for name in samples if name.startswith("paperwire_http_request_seconds")]
    assert not [name for name in samples if name.startswith("paperwire_response_cache")]


def test_process_and_python_collectors(client: TestClient) -> None:
    types, samples = scrape(client)
    info = samples["python_info"][0]
    assert info.labels["major"] == str(sys.version_info.major)
    assert info.labels["minor"] == str(sys.version_info.minor)
    assert types["python_gc_collections"] == "counter"
    assert {s.labels["generation"] for s in samples["python_gc_collections_total"]} == {
        "0",
        "1",
        "2",
    }
    if sys.platform.startswith("linux"):  # the process collector reads /proc
        assert samples["process_resident_memory_bytes"][0].value > 0
        assert samples["process_cpu_seconds_total"][0].value > 0
        assert samples["process_open_fds"][0].value > 0


def entry(subscriber_id: int, email: str) -> OutboxEntry:
    return OutboxEntry(
        subscriber_id=subscriber_id,
        period="daily:2026-07-01",
        recipient=email,
        message_id=f"<{subscriber_id}@paperwire.test>",
        content="{}",
        paper_ids=(),
    )


@pytest.mark.both_backends
def test_outbox_subscribers_and_jobs_from_the_database(client: TestClient, store: Store) -> None:
    _, samples = scrape(client)
    assert by_label(samples["paperwire_digest_outbox_messages"], "status") == {
        "queued": 0,
        "sending": 0,
        "sent": 0,
        "failed": 0,
    }
    assert by_label(samples["paperwire_digest_subscribers"], "status") == {SUSPENDED: 0}
    assert samples.get("paperwire_job_last_run_timestamp_seconds", []) == []

    emails = [f"reader{n}@example.org" for n in range(5)]
    store.add_subscribers([(e, Preferences()) for e in emails], now=NOW)
    subscribers = {s.email: s for s in store.subscribers()}
    store.add_outbox([entry(subscribers[e].id, e) for e in emails], now=NOW)
    later = NOW + timedelta(minutes=1)
    sent = store.claim_outbox(claimed_by="worker-1", now=later)
    assert sent is not None
    store.mark_sent(sent.id, claimed_by="worker-1", now=later)
    failed = store.claim_outbox(claimed_by="worker-1", now=later)
    assert failed is not None
    store.mark_failed(failed.id, error="550 no such mailbox", suspend_after=1)
    sending = store.claim_outbox(claimed_by="worker-2", now=later)
    assert sending is not None
    store.record_job_run("fetch", at=datetime(2026, 7, 1, 6, 30, tzinfo=UTC))
    store.record_job_run("digests", at=datetime(2026, 7, 1, 7, 45, tzinfo=UTC))

    _, samples = scrape(client)
    assert by_label(samples["paperwire_digest_outbox_messages"], "status") == {
        "queued": 2,
        "sending": 1,
        "sent": 1,
        "failed": 1,
    }
    assert by_label(samples["paperwire_digest_subscribers"], "status") == {SUSPENDED: 1}
    assert by_label(samples["paperwire_job_last_run_timestamp_seconds"], "job") == {
        "fetch": datetime(2026, 7, 1, 6, 30, tzinfo=UTC).timestamp(),
        "digests": datetime(2026, 7, 1, 7, 45, tzinfo=UTC).timestamp(),
    }


def test_a_real_server_with_two_processes(tmp_path: Path) -> None:
    """``paperwire serve --workers 2`` on loopback (the metrics of several processes kept
    in ``PROMETHEUS_MULTIPROC_DIR``): a scrape carries the request histogram, the
    database's gauges and the CPU and memory of the process that answered it."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERWIRE_", "PROMETHEUS_"))}
    env["PAPERWIRE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'paperwire.db'}"
    process = subprocess.Popen(
        [sys.executable, "-m", "paperwire", "serve", "--workers", "2", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(url, process)
        for _ in range(20):  # new connections: both processes answer some
            assert httpx.get(f"{url}/healthz", timeout=30).status_code == 200
        text = httpx.get(f"{url}/metrics", timeout=30).text
    finally:
        stop(process)
    samples = {
        sample.name: sample
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.labels.get("route") in (None, "/healthz")
    }
    assert samples["paperwire_http_request_duration_seconds_count"].value >= 20
    assert samples["paperwire_database_up"].value == 1
    assert "python_info" in samples
    if sys.platform.startswith("linux"):
        assert samples["process_resident_memory_bytes"].value > 0
