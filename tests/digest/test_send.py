"""The sender against a real SMTP server: retries, suspensions, pacing, and kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime

from paperwire.digest.compose import daily_period
from paperwire.digest.outbox import compose_outbox
from paperwire.digest.send import send_outbox
from paperwire.normalize import utcnow
from paperwire.store.base_digests import SUSPENDED, Preferences
from tests.digest.conftest import Site
from tests.digest.test_compose import LATEST
from tests.mail.smtp_server import SMTPServer


def queue(site: Site, emails: list[str], **settings: object) -> None:
    site.store.add_subscribers(
        [(e, Preferences("daily", [], ["diffusion"])) for e in emails], now=utcnow()
    )
    subscribers = [s for s in site.store.subscribers() if s.email in emails]
    compose_outbox(
        site.store,
        site.make_settings(**settings),
        period=daily_period(LATEST),
        subscribers=subscribers,
    )


def test_a_temporary_refusal_is_retried_and_delivered_once(
    site: Site, smtp_server: SMTPServer
) -> None:
    settings = site.make_settings(smtp_url=smtp_server.url, digest_retry_seconds=0.2)
    queue(site, ["ada@example.org"])
    smtp_server.recorder.replies += ["451 4.3.0 Mailbox busy, try later"]
    started = time.monotonic()
    report = send_outbox(site.store, settings, linger=5)
    assert (report.sent, report.retried, report.failed) == (1, 1, 0)
    assert time.monotonic() - started >= 0.2  # it waited for the backoff
    assert [r.rcpt_tos for r in smtp_server.received] == [["ada@example.org"]]
    assert site.store.outbox_counts()["sent"] == 1
    assert send_outbox(site.store, settings).sent == 0  # nothing left


def test_temporary_refusals_give_up_after_the_last_attempt(
    site: Site, smtp_server: SMTPServer
) -> None:
    settings = site.make_settings(
        smtp_url=smtp_server.url, digest_retry_seconds=0.01, digest_max_attempts=3
    )
    queue(site, ["ada@example.org"])
    smtp_server.recorder.replies += ["451 4.3.0 later"] * 5
    report = send_outbox(site.store, settings, linger=2)
    assert (report.sent, report.retried, report.failed) == (0, 2, 1)
    assert smtp_server.received == []


def test_permanent_refusals_suspend_the_address_after_n(
    site: Site, smtp_server: SMTPServer
) -> None:
    settings = site.make_settings(smtp_url=smtp_server.url, digest_suspend_after=2)
    smtp_server.recorder.refuse["gone@example.org"] = "550 5.1.1 No such user"
    queue(site, ["gone@example.org", "ok@example.org"])
    first = send_outbox(site.store, settings)
    assert (first.sent, first.failed, first.suspended) == (1, 1, 0)
    gone = site.store.subscriber_by_email("gone@example.org")
    assert gone is not None and gone.failures == 1 and gone.is_active
    # The next day's digest is refused too: the second refusal suspends the address.
    period = daily_period(datetime(2026, 6, 30, tzinfo=UTC).date())
    compose_outbox(site.store, settings, period=period, subscribers=site.store.subscribers())
    second = send_outbox(site.store, settings)
    assert (second.sent, second.failed, second.suspended) == (1, 1, 1)
    gone = site.store.subscriber_by_email("gone@example.org")
    assert gone is not None and gone.status == SUSPENDED and gone.failures == 2
    assert [r.rcpt_tos for r in smtp_server.received] == [["ok@example.org"]] * 2
    # Suspended addresses get nothing more.
    period = daily_period(datetime(2026, 6, 29, tzinfo=UTC).date())
    report = compose_outbox(
        site.store, settings, period=period, subscribers=site.store.subscribers()
    )
    assert report.composed == 1


def test_the_send_rate_is_kept(site: Site, smtp_server: SMTPServer) -> None:
    settings = site.make_settings(smtp_url=smtp_server.url, digest_send_rate=20)
    queue(site, [f"r{n}@example.org" for n in range(11)])
    started = time.monotonic()
    assert send_outbox(site.store, settings).sent == 11
    assert time.monotonic() - started >= 0.5  # 11 messages at 20/s: 10 gaps of 50 ms


SENDER = """
import sys
from paperwire.cli import cli
sys.exit(cli(["digest", "send", "--frequency", "daily"], standalone_mode=True))
"""


def test_kill_9_and_restart_sends_every_digest_once(site: Site, smtp_server: SMTPServer) -> None:
    """1,000 subscribers; `paperwire digest send` (compose, then send) is SIGKILLed twice
    part way and run again until done. The server sees each digest once; the only
    possible repeat is the one message in flight at a kill, with its Message-ID."""
    emails = [f"reader{n:04d}@example.org" for n in range(1000)]
    site.store.add_subscribers(
        [
            (e, Preferences("daily", [], [["diffusion"], ["speech"], []][n % 3]))
            for n, e in enumerate(emails)
        ],
        now=utcnow(),
    )
    settings = site.make_settings(smtp_url=smtp_server.url)
    env = {
        **os.environ,
        "PAPERWIRE_DATABASE_URL": settings.database_url,
        "PAPERWIRE_SMTP_URL": smtp_server.url,
        "PAPERWIRE_SECRET_KEY": settings.secret_key,
        "PAPERWIRE_BASE_URL": settings.base_url,
        "PAPERWIRE_DIGEST_SEND_RATE": "0",
    }
    kills = 0
    for kill_after in (150, 600, None):
        process = subprocess.Popen(
            [sys.executable, "-c", SENDER],
            env=env,
            cwd=site.folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        if kill_after is None:
            out, err = process.communicate(timeout=300)
            assert process.returncode == 0, err.decode()
            break
        deadline = time.monotonic() + 120
        while smtp_server.recorder.count < kill_after:
            assert process.poll() is None, process.communicate()[1].decode()
            assert time.monotonic() < deadline
            time.sleep(0.002)
        process.send_signal(signal.SIGKILL)
        process.communicate()
        kills += 1
    received = smtp_server.received
    ids = Counter(r.parse()["Message-ID"] for r in received)
    by_recipient: dict[str, set[str]] = {}
    for r in received:
        by_recipient.setdefault(r.rcpt_tos[0], set()).add(r.parse()["Message-ID"])
    assert len(ids) == 1000  # one digest per subscriber ...
    assert sorted(by_recipient) == emails and all(len(v) == 1 for v in by_recipient.values())
    repeats = sum(n - 1 for n in ids.values())
    assert repeats <= kills  # ... and at most the one in flight at each kill, same Message-ID
    by_id: dict[str, set[bytes]] = {}
    for r in received:
        by_id.setdefault(r.parse()["Message-ID"], set()).add(r.data)
    assert all(len(v) == 1 for v in by_id.values())  # a repeat is the same bytes (rendered again)
    counts = site.store.outbox_counts()
    assert counts == {"queued": 0, "sending": 0, "sent": 1000, "failed": 0}
