"""``paperwire.mail`` against real servers: files, and aiosmtpd on loopback."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from paperwire.mail import (
    PermanentMailError,
    TransientMailError,
    address_header,
    open_transport,
)
from tests.mail.smtp_server import SMTPServer, start_server
from tests.served import free_port


def message(to: str = "ada@example.org", subject: str = "Hello") -> EmailMessage:
    m = EmailMessage()
    m["From"] = "paperwire <paperwire@example.org>"
    m["To"] = to
    m["Subject"] = subject
    m["Message-ID"] = make_msgid(domain="example.org")
    m.set_content("Dear reader, ünïcode included.\n")
    return m


def test_file_transport_writes_one_eml_per_message(tmp_path: Path) -> None:
    with open_transport(f"file://{tmp_path / 'out'}") as transport:
        transport.send(message(subject="one"))
        transport.send_bytes(
            message(subject="two").as_bytes(), sender="a@example.org", recipients=["b@x.org"]
        )
    files = sorted((tmp_path / "out").glob("*.eml"))
    assert len(files) == 2
    assert not list((tmp_path / "out").glob(".*.tmp"))
    subjects = {f.read_bytes().split(b"Subject: ")[1].split(b"\n")[0].strip() for f in files}
    assert subjects == {b"one", b"two"}


def test_smtp_reuses_one_connection(smtp_server: SMTPServer) -> None:
    sessions: list[object] = []
    original = smtp_server.recorder.handle_DATA

    async def spy(server: object, session: object, envelope: object) -> str:
        sessions.append(getattr(session, "peer", None))
        return await original(server, session, envelope)

    smtp_server.recorder.handle_DATA = spy  # type: ignore[method-assign]
    with open_transport(smtp_server.url, timeout=5) as transport:
        for n in range(5):
            transport.send(message(to=f"r{n}@example.org"))
        transport.send_bytes(
            message(to="raw@example.org").as_bytes(),
            sender="paperwire@example.org",
            recipients=["raw@example.org"],
        )
    assert len(smtp_server.received) == 6
    assert len(set(sessions)) == 1  # one connection for all six
    raw = smtp_server.received[-1]
    assert raw.mail_from == "paperwire@example.org" and raw.rcpt_tos == ["raw@example.org"]
    assert "ünïcode" in raw.parse().get_content()


def test_smtp_reconnects_after_the_server_dropped_the_connection() -> None:
    first = start_server()
    port = first.port
    transport = open_transport(first.url, timeout=5)
    try:
        transport.send(message(subject="before"))
        first.controller.stop()  # drops the open connection
        second = start_server(port=port)
        try:
            transport.send(message(subject="after"))
        finally:
            second.controller.stop()
    finally:
        transport.close()
    assert [r.parse()["Subject"] for r in first.received] == ["before"]
    assert [r.parse()["Subject"] for r in second.received] == ["after"]


@pytest.mark.parametrize(
    ("reply", "error", "code"),
    [
        ("451 4.3.0 Try again later", TransientMailError, 451),
        ("421 4.7.0 Too busy", TransientMailError, 421),
        ("550 5.1.1 No such mailbox", PermanentMailError, 550),
        ("554 5.7.1 Rejected", PermanentMailError, 554),
    ],
)
def test_smtp_answers_are_classified(
    smtp_server: SMTPServer, reply: str, error: type[Exception], code: int
) -> None:
    smtp_server.recorder.replies.append(reply)
    with open_transport(smtp_server.url, timeout=5) as transport:
        with pytest.raises(error) as caught:
            transport.send(message())
        assert getattr(caught.value, "code", None) == code
        if code != 421:  # after a refusal the connection still serves the next message
            transport.send(message(subject="next"))
            assert [r.parse()["Subject"] for r in smtp_server.received] == ["next"]


def test_a_refused_recipient_is_permanent(smtp_server: SMTPServer) -> None:
    smtp_server.recorder.refuse["gone@example.org"] = "550 5.1.1 User unknown"
    with open_transport(smtp_server.url, timeout=5) as transport:
        with pytest.raises(PermanentMailError, match="gone@example.org"):
            transport.send_bytes(
                message(to="gone@example.org").as_bytes(),
                sender="paperwire@example.org",
                recipients=["gone@example.org"],
            )
    assert smtp_server.received == []


def test_a_closed_port_is_transient() -> None:
    with open_transport(f"smtp://127.0.0.1:{free_port()}", timeout=2) as transport:
        with pytest.raises(TransientMailError):
            transport.send(message())


def test_quote_periods_does_what_smtplib_does() -> None:
    import re

    from paperwire.mail import quote_periods

    for data in [b".a\r\n.b\r\nc.\r\n..\r\n", b"abc", b".", b"\r\n.\r\n", b"x\n.y\r.z", b""]:
        assert quote_periods(data) == re.sub(rb"(?m)^\.", b"..", data)


def test_an_internationalised_domain_is_sent_as_idna(smtp_server: SMTPServer) -> None:
    m = message(to="ada@bücher.example")
    m.replace_header("From", "Zoë Mailer <mailer@exämple.org>")
    with open_transport(smtp_server.url, timeout=5) as transport:
        transport.send(m)
    (received,) = smtp_server.received
    assert received.rcpt_tos == ["ada@xn--bcher-kva.example"]
    assert received.mail_from == "mailer@xn--exmple-cua.org"
    assert received.data.split(b"\r\n\r\n")[0].isascii()  # the headers (the body is 8bit)
    parsed = received.parse()
    assert parsed["To"].addresses[0].addr_spec == "ada@xn--bcher-kva.example"
    assert parsed["From"].addresses[0].display_name == "Zoë Mailer"


def test_a_local_part_that_is_not_ascii_needs_smtputf8(
    smtp_server: SMTPServer, smtputf8_server: SMTPServer, tmp_path: Path
) -> None:
    with open_transport(smtp_server.url, timeout=5) as transport:
        with pytest.raises(PermanentMailError, match="SMTPUTF8"):
            transport.send(message(to="josé@example.org"))
        with pytest.raises(PermanentMailError, match="SMTPUTF8"):
            transport.send_bytes(
                message().as_bytes(), sender="a@example.org", recipients=["josé@example.org"]
            )
        transport.send(message(to="ok@example.org"))  # the connection still works
    assert [r.rcpt_tos for r in smtp_server.received] == [["ok@example.org"]]
    with open_transport(smtputf8_server.url, timeout=5) as transport:
        transport.send(message(to="josé@bücher.example"))
    assert [r.rcpt_tos for r in smtputf8_server.received] == [["josé@xn--bcher-kva.example"]]
    with open_transport(f"file://{tmp_path}") as transport:
        transport.send(message(to="josé@bücher.example"))
    (written,) = tmp_path.glob("*.eml")
    assert "To: josé@xn--bcher-kva.example".encode() in written.read_bytes()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("paperwire <pw@example.org>", b"From: paperwire <pw@example.org>\r\n"),
        (
            "Pâpërwire <pw@example.org>",
            b"From: =?utf-8?q?P=C3=A2p=C3=ABrwire?= <pw@example.org>\r\n",
        ),
        ("pw@exämple.org", b"From: pw@xn--exmple-cua.org\r\n"),
        ('"Ada, L." <a@example.org>', b'From: "Ada, L." <a@example.org>\r\n'),
    ],
)
def test_address_headers_are_ascii_unless_smtputf8_is_needed(value: str, expected: bytes) -> None:
    assert address_header("From", value) == expected
