"""One IP address cannot make the site send confirmation mails without end: the form and
the API share a per-IP limit, counted in the database, answered 429 with Retry-After."""

from __future__ import annotations

from fastapi.testclient import TestClient

from paperwire.web.app import create_app
from tests.digest.conftest import Site
from tests.digest.test_flow import BASE, submit
from tests.mail.smtp_server import SMTPServer


def test_the_api_answers_429_past_the_per_ip_limit(site: Site, smtp_server: SMTPServer) -> None:
    settings = site.make_settings(smtp_url=smtp_server.url, subscribe_limit_per_ip=3)
    client = TestClient(create_app(settings, site.store), base_url=BASE)
    answers = [
        client.post("/api/v1/subscriptions", json={"email": f"r{n}@example.org"}) for n in range(40)
    ]
    assert [a.status_code for a in answers[:4]] == [202, 202, 202, 429]
    assert {a.status_code for a in answers[3:]} == {429}
    assert int(answers[-1].headers["retry-after"]) > 0
    assert "too many" in answers[-1].json()["detail"]
    assert len(smtp_server.received) == 3  # 40 requests, 3 mails
    # Counted in the database: another app on the same file (another worker) agrees.
    other = TestClient(create_app(settings, site.store), base_url=BASE)
    late = other.post("/api/v1/subscriptions", json={"email": "late@example.org"})
    assert late.status_code == 429


def test_the_form_and_the_api_share_the_limit(site: Site, smtp_server: SMTPServer) -> None:
    settings = site.make_settings(smtp_url=smtp_server.url, subscribe_limit_per_ip=2)
    client = TestClient(create_app(settings, site.store), base_url=BASE)
    first = submit(client, "/subscribe", {"email": "a@example.org", "frequency": "daily"})
    assert first.startswith("200")
    api = client.post("/api/v1/subscriptions", json={"email": "b@example.org"})
    assert api.status_code == 202
    refused = submit(client, "/subscribe", {"email": "c@example.org", "frequency": "daily"})
    assert refused.startswith("429")
    assert "Too many subscription requests" in refused
    assert sorted(r.rcpt_tos[0] for r in smtp_server.received) == [
        "a@example.org",
        "b@example.org",
    ]


def test_a_bad_request_does_not_count(site: Site, smtp_server: SMTPServer) -> None:
    settings = site.make_settings(smtp_url=smtp_server.url, subscribe_limit_per_ip=1)
    client = TestClient(create_app(settings, site.store), base_url=BASE)
    for _ in range(3):
        assert client.post("/api/v1/subscriptions", json={"email": "nope"}).status_code == 422
    answer = client.post("/api/v1/subscriptions", json={"email": "ok@example.org"})
    assert answer.status_code == 202
