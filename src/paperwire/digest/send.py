"""Sending the outbox: claim a row, render it, send it, record it; one row at a time.

Each row goes ``queued`` -> ``sending`` (claimed by this sender, committed before the SMTP
transaction starts) -> ``sent`` (after the server accepted it, committed together with the
claim of the next row, so one commit a message and still one row ``sending``). A sender
killed between the two leaves at most one row ``sending``; the next sender on the same
host sees that its claimant's process is gone (or, from another host, that the claim is
older than ``LEASE``) and sends it again: rendered from the same row, it is the same
bytes with the same Message-ID (see ``docs/digests.md`` for what that window means).
A row whose senders stopped ``digest_max_attempts`` times (a message that kills its
sender) is failed instead, so it cannot stop every later run.

A message that cannot be rendered or sent for any other reason (an address the mail
cannot be written to, a broken composition) fails with that reason in ``last_error``,
and the run goes on with the next one.

The message is rendered from the row's composition here (``OutboxRenderer``), not at
composing: papers, summaries and cards are kept for the whole pass, so a message costs
a fraction of a millisecond of rendering.

Temporary failures (4xx, timeouts, dropped connections) put the row back with a
doubling wait (``digest_retry_seconds``) until ``digest_max_attempts``; permanent ones
(5xx) fail the row and count against the address, which is suspended after
``digest_suspend_after`` of them in a row. One SMTP connection serves the whole pass,
paced to ``digest_send_rate`` messages a second.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr

from paperwire.config import Settings
from paperwire.digest.compose import Group, Item, Period, period_of
from paperwire.digest.outbox import decode
from paperwire.digest.render import Renderer
from paperwire.digest.subscriptions import Links
from paperwire.digest.summary import summarize
from paperwire.errors import ConfigError, StoreError
from paperwire.mail import PermanentMailError, TransientMailError, Transport, open_transport
from paperwire.models import Paper
from paperwire.store.base import Store
from paperwire.store.base_digests import OutboxItem

log = logging.getLogger(__name__)

#: A claim older than this is released even when its sender cannot be checked.
LEASE = timedelta(minutes=15)
_HOST = socket.gethostname()


def now_utc() -> datetime:
    return datetime.now(UTC)


def sender_id() -> str:
    return f"{_HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claimant_is_dead(claimed_by: str) -> bool:
    """True when ``claimed_by`` names a process of this host that no longer runs."""
    host, _, rest = claimed_by.partition(":")
    pid_text = rest.partition(":")[0]
    if host != _HOST or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class OutboxRenderer:
    """Renders claimed outbox rows into messages, keeping the papers, their summaries and
    the renderer's cards for the whole pass. The same row renders to the same bytes."""

    #: Papers kept between messages (a period's digests share a few hundred).
    KEEP = 20_000

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.renderer = Renderer(settings, Links.of(settings, store))
        self._papers: dict[str, Paper] = {}
        self._summaries: dict[str, str] = {}
        self._periods: dict[str, Period] = {}

    def message(self, item: OutboxItem) -> bytes:
        groups = decode(item.content)
        papers = self._papers
        missing = [pid for _, rows, _ in groups for pid, _ in rows if pid not in papers]
        if missing:
            if len(papers) + len(missing) > self.KEEP:
                papers.clear()
                self._summaries.clear()
                missing = [pid for _, rows, _ in groups for pid, _ in rows]
            papers.update(self.store.get_papers(missing))
        period = self._periods.get(item.period)
        if period is None:
            period = self._periods[item.period] = period_of(item.period)
        built: list[Group] = []
        for heading, rows, note in groups:
            # A paper deleted since composing is left out; the rest is sent as composed.
            items = [
                Item(papers[pid], reason, self._summary(papers[pid]))
                for pid, reason in rows
                if pid in papers
            ]
            built.append(Group(heading, items, note))
        rendered = self.renderer.render_message(
            subscriber_id=item.subscriber_id,
            email=item.recipient,
            period=period,
            groups=built,
            message_id=item.message_id,
            at=item.created_at,
        )
        return rendered.message

    def _summary(self, paper: Paper) -> str:
        found = self._summaries.get(paper.id)
        if found is None:
            found = self._summaries[paper.id] = summarize(paper.abstract)
        return found


def unsendable(exc: Exception) -> str:
    """Why a message could not be rendered or sent, for the row's ``last_error``."""
    if isinstance(exc, UnicodeError):
        return (
            "could not be sent: the address or a header has characters the mail could not"
            f" be written with ({exc})"
        )
    return f"could not be rendered or sent: {exc or type(exc).__name__}"


@dataclass(slots=True)
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    suspended: int = 0
    released: int = 0
    abandoned: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        rate = self.sent / self.seconds if self.seconds > 0 else 0.0
        line = (
            f"sent {self.sent} digest(s) ({rate:.0f}/s), {self.retried} to retry,"
            f" {self.failed} failed, {self.suspended} address(es) suspended"
        )
        if self.released:
            line += f"; {self.released} left sending by a stopped sender, queued again"
        if self.abandoned:
            line += (
                f"; {self.abandoned} left sending by stopped senders too often, given up"
                " (see last_error)"
            )
        return line


def send_outbox(
    store: Store,
    settings: Settings,
    *,
    transport: Transport | None = None,
    limit: int | None = None,
    linger: float = 0.0,
) -> SendReport:
    """Send what is due; with ``linger``, also wait for retries due within that many
    seconds. Returns what happened."""
    started = time.perf_counter()
    report = SendReport()
    me = sender_id()
    report.released, report.abandoned = store.release_orphans(
        is_dead=claimant_is_dead,
        stale_before=now_utc() - LEASE,
        give_up_after=settings.digest_max_attempts,
    )
    envelope_from = parseaddr(settings.mail_from)[1] or settings.mail_from
    interval = 1.0 / settings.digest_send_rate if settings.digest_send_rate > 0 else 0.0
    own = transport is None
    transport = transport or open_transport(settings.smtp_url, timeout=settings.smtp_timeout)
    renderer = OutboxRenderer(store, settings)

    next_at = time.monotonic()
    delivered: int | None = None  # sent, to be recorded with the next claim
    try:
        while limit is None or report.sent + report.failed < limit:
            item = store.claim_outbox(claimed_by=me, now=now_utc(), sent=delivered)
            delivered = None
            if item is None:
                due = store.next_attempt_at()
                wait = (due - now_utc()).total_seconds() if due is not None else None
                if wait is not None and wait <= linger:
                    time.sleep(max(0.0, wait) + 0.001)
                    continue
                break
            if interval:
                pause = next_at - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                next_at = max(next_at, time.monotonic() - interval) + interval
            try:
                transport.send_bytes(
                    renderer.message(item), sender=envelope_from, recipients=[item.recipient]
                )
            except (ConfigError, StoreError):
                raise  # nothing more can be sent: the next run takes this row up again
            except TransientMailError as exc:
                if item.attempts >= settings.digest_max_attempts:
                    report.failed += 1
                    if store.mark_failed(
                        item.id,
                        error=f"gave up after {item.attempts} tries: {exc}",
                        suspend_after=settings.digest_suspend_after,
                    ):
                        report.suspended += 1
                else:
                    wait = settings.digest_retry_seconds * 2 ** (item.attempts - 1)
                    store.mark_retry(
                        item.id, error=str(exc), next_attempt_at=now_utc() + timedelta(seconds=wait)
                    )
                    report.retried += 1
                log.warning("digest to %s: %s", item.recipient, exc)
            except PermanentMailError as exc:
                report.failed += 1
                if store.mark_failed(
                    item.id, error=str(exc), suspend_after=settings.digest_suspend_after
                ):
                    report.suspended += 1
                log.warning("digest to %s refused: %s", item.recipient, exc)
            except Exception as exc:  # this one message cannot be sent; the others still go
                report.failed += 1
                reason = unsendable(exc)
                if store.mark_failed(
                    item.id, error=reason, suspend_after=settings.digest_suspend_after
                ):
                    report.suspended += 1
                log.exception("digest to %s %s", item.recipient, reason)
            else:
                delivered = item.id  # recorded with the next claim, in one commit
                report.sent += 1
    finally:
        if delivered is not None:
            store.mark_sent(delivered, claimed_by=me, now=now_utc())
        if own:
            transport.close()
    report.seconds = time.perf_counter() - started
    return report
