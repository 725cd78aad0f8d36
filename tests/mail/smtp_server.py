"""A real SMTP server on loopback (aiosmtpd in a thread) that records what it received.

``replies`` scripts answers to DATA (``"451 4.3.0 try later"``, then the default
``250``); ``refuse`` maps recipients to an answer for their RCPT TO.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.served import free_port


@dataclass(frozen=True, slots=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    def parse(self) -> EmailMessage:
        message = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(message, EmailMessage)
        return message


@dataclass
class Recorder:
    received: list[Received] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    keep: bool = True
    count: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.replies:
                reply = self.replies.pop(0)
                if not reply.startswith("250"):
                    return reply
            self.count += 1
            if self.keep:
                data = envelope.original_content or envelope.content
                self.received.append(
                    Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(data))
                )
        return "250 OK"


@dataclass
class SMTPServer:
    recorder: Recorder
    controller: Controller
    port: int

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[Received]:
        return self.recorder.received


def start_server(
    recorder: Recorder | None = None, port: int | None = None, *, smtputf8: bool = False
) -> SMTPServer:
    """``smtputf8``: the server offers SMTPUTF8 (addresses with non-ASCII local parts)."""
    recorder = recorder or Recorder()
    port = port or free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, enable_SMTPUTF8=smtputf8)
    controller.start()
    return SMTPServer(recorder, controller, port)


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    server = start_server()
    yield server
    server.controller.stop()


@pytest.fixture
def smtputf8_server() -> Iterator[SMTPServer]:
    server = start_server(smtputf8=True)
    yield server
    server.controller.stop()
