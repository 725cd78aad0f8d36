"""Addresses that are not plain ASCII, and messages that cannot be sent, against a real
SMTP server: one bad message fails with its reason, the run goes on, nothing stays
``sending``."""

from __future__ import annotations

import socket
import subprocess
import sys

from fastapi.testclient import TestClient

from paperwire.digest.compose import daily_period
from paperwire.digest.outbox import compose_outbox
from paperwire.digest.send import send_outbox
from paperwire.normalize import utcnow
from paperwire.store.base_digests import OutboxEntry, Preferences
from paperwire.web.app import create_app
from tests.digest.conftest import Site
from tests.digest.test_compose import LATEST
from tests.mail.smtp_server import SMTPServer

BASE = "http://paperwire.test"


def queue(site: Site, emails: list[str]) -> None:
    """Confirmed subscribers (as an older version may have stored them) and their digests."""
    site.store.add_subscribers(
        [(e, Preferences("daily", [], ["diffusion"])) for e in emails], now=utcnow()
    )
    subscribers = [s for s in site.store.subscribers() if s.email in emails]
    composed = compose_outbox(
        site.store, site.settings, period=daily_period(LATEST), subscribers=subscribers
    )
    assert composed.composed == len(emails)


def last_errors(site: Site) -> dict[str, str]:
    rows = site.store._db().execute(  # type: ignore[attr-defined]
        "SELECT recipient, last_error FROM digest_outbox WHERE status = 'failed'"
    )
    return {recipient: error for recipient, error in rows}


def test_an_internationalised_domain_and_display_name_are_sent_as_ascii(
    site: Site, smtp_server: SMTPServer
) -> None:
    settings = site.make_settings(
        smtp_url=smtp_server.url, mail_from="Pâpërwire Digests <digests@exämple.org>"
    )
    queue(site, ["ada@bücher.example"])
    report = send_outbox(site.store, settings)
    assert (report.sent, report.failed) == (1, 0)
    (received,) = smtp_server.received
    assert received.rcpt_tos == ["ada@xn--bcher-kva.example"]
    assert received.mail_from == "digests@xn--exmple-cua.org"
    assert received.data.isascii()  # nothing needs SMTPUTF8
    head = received.data.split(b"\r\n\r\n")[0]
    assert b"From: =?utf-8?" in head  # RFC 2047, not raw UTF-8
    message = received.parse()
    sender = message["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == (
        "Pâpërwire Digests",
        "digests@xn--exmple-cua.org",
    )
    assert message["To"].addresses[0].addr_spec == "ada@xn--bcher-kva.example"


def test_an_address_the_server_cannot_take_fails_and_the_others_are_sent(
    site: Site, smtp_server: SMTPServer
) -> None:
    settings = site.make_settings(smtp_url=smtp_server.url)
    queue(site, ["josé@example.org", "ok@example.org", "zoë@example.org"])
    report = send_outbox(site.store, settings)
    assert (report.sent, report.failed) == (1, 2)
    assert [r.rcpt_tos for r in smtp_server.received] == [["ok@example.org"]]
    counts = site.store.outbox_counts()
    assert counts["sending"] == 0 and counts["failed"] == 2
    errors = last_errors(site)
    assert sorted(errors) == ["josé@example.org", "zoë@example.org"]
    assert all("SMTPUTF8" in error for error in errors.values())
    again = send_outbox(site.store, settings)  # the next run is not stopped by them either
    assert (again.sent, again.failed) == (0, 0)


def test_an_smtputf8_server_gets_the_address_as_it_is(
    site: Site, smtputf8_server: SMTPServer
) -> None:
    settings = site.make_settings(smtp_url=smtputf8_server.url)
    queue(site, ["josé@bücher.example"])
    report = send_outbox(site.store, settings)
    assert (report.sent, report.failed) == (1, 0)
    (received,) = smtputf8_server.received
    assert received.rcpt_tos == ["josé@xn--bcher-kva.example"]
    assert "To: josé@xn--bcher-kva.example\r\n".encode() in received.data  # raw UTF-8


def test_a_message_that_cannot_be_rendered_fails_with_its_reason(
    site: Site, smtp_server: SMTPServer
) -> None:
    settings = site.make_settings(smtp_url=smtp_server.url)
    queue(site, ["ok@example.org"])
    site.store.add_subscribers([("broken@example.org", Preferences())], now=utcnow())
    broken = site.store.subscriber_by_email("broken@example.org")
    assert broken is not None
    entry = OutboxEntry(broken.id, "2026-06-26", broken.email, "<x@paperwire.test>", "{", ())
    assert site.store.add_outbox([entry], now=utcnow()) == 1
    report = send_outbox(site.store, settings)
    assert (report.sent, report.failed) == (1, 1)
    assert [r.rcpt_tos for r in smtp_server.received] == [["ok@example.org"]]
    assert site.store.outbox_counts()["sending"] == 0
    assert last_errors(site)["broken@example.org"].startswith("could not be rendered or sent")


def dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def test_a_row_whose_sender_keeps_dying_is_given_up(site: Site, smtp_server: SMTPServer) -> None:
    """A message that kills its sender (claimed, never finished) is sent again after one
    crash, and failed once it has been tried ``digest_max_attempts`` times."""
    settings = site.make_settings(smtp_url=smtp_server.url, digest_max_attempts=2)
    queue(site, ["ada@example.org"])
    crashed = f"{socket.gethostname()}:{dead_pid()}:dead"
    assert site.store.claim_outbox(claimed_by=crashed, now=utcnow()) is not None
    # First crash: queued again and sent.
    first = send_outbox(site.store, settings, limit=0)
    assert (first.released, first.abandoned) == (1, 0)
    assert site.store.outbox_counts()["queued"] == 1
    # It crashes its sender again: tried twice now, so it is given up.
    assert site.store.claim_outbox(claimed_by=crashed, now=utcnow()) is not None
    second = send_outbox(site.store, settings)
    assert (second.released, second.abandoned, second.sent) == (0, 1, 0)
    counts = site.store.outbox_counts()
    assert (counts["sending"], counts["failed"]) == (0, 1)
    assert "stopped while sending it, 2 times" in last_errors(site)["ada@example.org"]
    assert smtp_server.received == []


def test_subscribing_refuses_an_address_the_server_cannot_take(
    site: Site, smtp_server: SMTPServer
) -> None:
    settings = site.make_settings(smtp_url=smtp_server.url)
    client = TestClient(create_app(settings, site.store), base_url=BASE)
    refused = client.post("/api/v1/subscriptions", json={"email": "josé@example.org"})
    assert refused.status_code == 422
    assert "before the @" in refused.json()["detail"]
    assert site.store.subscriber_by_email("josé@example.org") is None
    accepted = client.post("/api/v1/subscriptions", json={"email": "ada@bücher.example"})
    assert accepted.status_code == 202
    (mail,) = smtp_server.received
    assert mail.rcpt_tos == ["ada@xn--bcher-kva.example"]
    assert mail.parse()["To"].addresses[0].addr_spec == "ada@xn--bcher-kva.example"


def test_with_smtputf8_on_such_an_address_may_subscribe(
    site: Site, smtputf8_server: SMTPServer
) -> None:
    settings = site.make_settings(smtp_url=smtputf8_server.url, mail_smtputf8=True)
    client = TestClient(create_app(settings, site.store), base_url=BASE)
    answer = client.post("/api/v1/subscriptions", json={"email": "josé@example.org"})
    assert answer.status_code == 202
    (mail,) = smtputf8_server.received
    assert mail.rcpt_tos == ["josé@example.org"]
