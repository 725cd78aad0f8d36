"""Sending mail: ``open_transport(url)`` for ``PAPERWIRE_SMTP_URL``.

- ``file://dir``: one ``.eml`` file per message, written to a temporary name and
  renamed, so a reader never sees half a message (the default, for laptops and tests);
- ``smtp://user:pass@host:port``: SMTP, upgraded with STARTTLS when the server offers it
  (``?starttls=require`` refuses servers that do not, ``?starttls=off`` never asks);
- ``smtps://user:pass@host:port``: SMTP over TLS from the first byte.

One transport keeps one SMTP connection open for many messages and reconnects when the
server dropped it. Failures are sorted for the caller: ``TransientMailError`` (4xx
answers, timeouts, refused or dropped connections: try again later) and
``PermanentMailError`` (5xx answers: this address will not take the message).
"""

from __future__ import annotations

import os
import smtplib
import ssl
import uuid
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self
from urllib.parse import parse_qs, unquote, urlsplit

from paperwire.errors import ConfigError, PaperwireError


class MailError(PaperwireError):
    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class TransientMailError(MailError):
    """Worth retrying later: a 4xx answer, a timeout, a dropped connection."""


class PermanentMailError(MailError):
    """Not worth retrying: the server refused the message or the address (5xx)."""


class Transport(Protocol):
    url: str

    def send(self, message: EmailMessage) -> None: ...

    def send_bytes(self, data: bytes, *, sender: str, recipients: list[str]) -> None:
        """Send a message already written out (RFC 5322 bytes) to ``recipients``."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class _Closing:
    def close(self) -> None:
        pass

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class FileTransport(_Closing):
    """Writes each message to ``DIR/<time>-<random>.eml``."""

    def __init__(self, directory: Path, url: str) -> None:
        self.directory = directory
        self.url = url

    def send(self, message: EmailMessage) -> None:
        self._write(message.as_bytes())

    def send_bytes(self, data: bytes, *, sender: str, recipients: list[str]) -> None:
        self._write(data)

    def _write(self, data: bytes) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            name = f"{uuid.uuid1().hex}"
            tmp = self.directory / f".{name}.tmp"
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            tmp.replace(self.directory / f"{name}.eml")
        except OSError as exc:
            raise TransientMailError(f"cannot write mail to {self.directory}: {exc}") from exc


def quote_periods(data: bytes) -> bytes:
    """``data`` with a dot doubled at the start of every line (RFC 5321 4.5.2): what
    ``smtplib`` does with a multi-line regular expression, as two byte replacements
    (a tenth of the time on a 40 KB message)."""
    quoted = data.replace(b"\n.", b"\n..")
    return b"." + quoted if quoted.startswith(b".") else quoted


def _data(smtp: smtplib.SMTP, msg: Any) -> tuple[int, bytes]:
    """``smtplib.SMTP.data`` for bytes, with ``quote_periods``; the rest unchanged."""
    if not isinstance(msg, bytes):
        return smtplib.SMTP.data(smtp, msg)
    smtp.putcmd("data")
    code, reply = smtp.getreply()
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    quoted = quote_periods(msg)
    if not quoted.endswith(b"\r\n"):
        quoted += b"\r\n"
    smtp.send(quoted + b".\r\n")
    return smtp.getreply()


class _SMTP(smtplib.SMTP):
    def data(self, msg: Any) -> tuple[int, bytes]:
        return _data(self, msg)


class _SMTP_SSL(smtplib.SMTP_SSL):
    def data(self, msg: Any) -> tuple[int, bytes]:
        return _data(self, msg)


class SMTPTransport(_Closing):
    def __init__(
        self,
        url: str,
        *,
        host: str,
        port: int,
        tls: bool,
        starttls: str,
        username: str | None,
        password: str | None,
        timeout: float,
        context: ssl.SSLContext | None = None,
    ) -> None:
        self.url = url
        self.host = host
        self.port = port
        self.tls = tls
        self.starttls = starttls
        self.username = username
        self.password = password
        self.timeout = timeout
        self.context = context or ssl.create_default_context()
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        smtp: smtplib.SMTP
        if self.tls:
            smtp = _SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.context)
        else:
            smtp = _SMTP(self.host, self.port, timeout=self.timeout)
            smtp.ehlo()
            if self.starttls != "off" and smtp.has_extn("starttls"):
                smtp.starttls(context=self.context)
                smtp.ehlo()
            elif self.starttls == "require":
                smtp.close()
                raise PermanentMailError(f"{self.host}:{self.port} does not offer STARTTLS")
        if self.username:
            smtp.login(self.username, self.password or "")
        return smtp

    def send(self, message: EmailMessage) -> None:
        self._deliver(lambda smtp: smtp.send_message(message))

    def send_bytes(self, data: bytes, *, sender: str, recipients: list[str]) -> None:
        self._deliver(lambda smtp: smtp.sendmail(sender, recipients, data))

    def _deliver(self, send: Callable[[smtplib.SMTP], dict[str, tuple[int, bytes]]]) -> None:
        for attempt in (1, 2):
            try:
                if self._smtp is None:
                    self._smtp = self._connect()
                refused = send(self._smtp)
            except smtplib.SMTPServerDisconnected as exc:
                self._drop()
                if attempt == 1:  # the server closed an idle connection: reconnect once
                    continue
                raise TransientMailError(f"{self.host}:{self.port} disconnected: {exc}") from exc
            except smtplib.SMTPRecipientsRefused as exc:
                codes = [code for code, _ in exc.recipients.values()]
                text = "; ".join(
                    f"{rcpt}: {code} {msg.decode(errors='replace')}"
                    for rcpt, (code, msg) in exc.recipients.items()
                )
                self._reset()
                raise _classify(max(codes), f"recipient refused: {text}") from exc
            except smtplib.SMTPResponseException as exc:
                error = exc.smtp_error
                message_text = error.decode(errors="replace") if isinstance(error, bytes) else error
                self._reset()
                raise _classify(exc.smtp_code, f"{exc.smtp_code} {message_text}") from exc
            except (smtplib.SMTPException, OSError) as exc:  # timeouts, refused connections
                self._drop()
                raise TransientMailError(f"{self.host}:{self.port}: {exc}") from exc
            if refused:
                text = "; ".join(f"{r}: {c}" for r, (c, _) in refused.items())
                raise _classify(max(c for c, _ in refused.values()), f"refused: {text}")
            return

    def _reset(self) -> None:
        """After a refused message, keep the connection for the next one if it still works."""
        if self._smtp is None:
            return
        try:
            self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._drop()


def _classify(code: int, text: str) -> MailError:
    if 400 <= code < 500:
        return TransientMailError(text, code=code)
    return PermanentMailError(text, code=code)


def open_transport(
    url: str, *, timeout: float = 30.0, context: ssl.SSLContext | None = None
) -> Transport:
    """The transport for ``PAPERWIRE_SMTP_URL``; nothing connects until the first send."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        path = unquote(parts.netloc + parts.path) or "."
        return FileTransport(Path(path), url)
    if parts.scheme in ("smtp", "smtps"):
        if not parts.hostname:
            raise ConfigError(f"mail transport {url!r} names no host")
        tls = parts.scheme == "smtps"
        starttls = parse_qs(parts.query).get("starttls", ["auto"])[-1]
        if starttls not in ("auto", "require", "off"):
            raise ConfigError(f"mail transport {url!r}: starttls must be auto, require or off")
        return SMTPTransport(
            url,
            host=parts.hostname,
            port=parts.port or (465 if tls else 25),
            tls=tls,
            starttls=starttls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            timeout=timeout,
            context=context,
        )
    raise ConfigError(f"unsupported mail transport {url!r}: expected file://, smtp:// or smtps://")
