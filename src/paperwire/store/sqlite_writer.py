"""Starting a write on the SQLite store: within a bound, and the occasional writer first.

SQLite lets one connection write at a time. A connection that cannot start a write
polls: SQLite's own busy handler sleeps at growing intervals (up to 100 ms), so a writer
that writes batch after batch (an import) takes the lock straight back and starves the
others. Instead:

- every writer polls ``BEGIN IMMEDIATE`` every few milliseconds, up to ``wait`` seconds,
  then raises ``StoreBusy`` (the web answers 503 with ``Retry-After``);
- a writer that is waiting says so with a shared ``flock`` on ``<database>-waiting``;
- a bulk writer (a batch of an import, a whole ranking: ``begin(bulk=True)``) looks at
  that file before each attempt and gives way while any other writer waits; it never
  says that it waits itself. The importer pauses between its batches, so bulk writers
  take turns among themselves.

So an upvote or a sign-in waits for at most the batch in progress, however many
imports, index or ranking runs write beside it.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from time import monotonic

from tenacity import Retrying, retry_if_exception, stop_before_delay, wait_random

from paperwire.errors import StoreBusy

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows: writers then poll as equals
    fcntl = None  # type: ignore[assignment]

#: The longest pause between two attempts to start a write: well under the gap a batch
#: writer (the importer, the ranking job) leaves between its transactions.
POLL = 0.002

_BUSY_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def is_busy(exc: BaseException) -> bool:
    """Another connection holds the write lock."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(exc, sqlite3.OperationalError) and code in _BUSY_CODES


class _GiveWay(Exception):
    """A batch writer waits while someone else waits."""


def _retry(exc: BaseException) -> bool:
    return isinstance(exc, _GiveWay) or is_busy(exc)


class WriteGate:
    """Begins and ends the write transactions of one connection (``conn`` must have
    ``busy_timeout = 0``, so that SQLite never sleeps on its own)."""

    def __init__(self, conn: sqlite3.Connection, path: str, *, wait: float) -> None:
        self.wait = wait
        self._conn = conn
        self.lock = threading.RLock()  # this process's writers, one at a time
        self._fd: int | None = None
        if path != ":memory:" and fcntl is not None:
            try:
                self._fd = os.open(f"{path}-waiting", os.O_RDWR | os.O_CREAT, 0o644)
            except OSError:  # a read-only folder: no priority, but writes still work
                self._fd = None

    def begin(self, *, bulk: bool = False) -> None:
        """Take this process's write lock and SQLite's within ``wait`` seconds, or raise
        ``StoreBusy`` holding neither. A ``bulk`` write gives way to every other."""
        started = monotonic()
        if not self.lock.acquire(timeout=self.wait):
            raise StoreBusy(monotonic() - started)
        signalled = False

        def attempt() -> None:
            if bulk and self._someone_waits():
                raise _GiveWay
            self._conn.execute("BEGIN IMMEDIATE")

        def signal(_: object) -> None:
            nonlocal signalled
            if not bulk and not signalled:
                signalled = self._flock(fcntl.LOCK_SH | fcntl.LOCK_NB) if fcntl else False

        retrying = Retrying(
            retry=retry_if_exception(_retry),
            stop=stop_before_delay(max(self.wait - (monotonic() - started), 0.0)),
            wait=wait_random(POLL / 4, POLL),  # jitter: two waiters do not poll in step
            before_sleep=signal,
            reraise=True,
        )
        try:
            retrying(attempt)
        except BaseException as exc:
            self.lock.release()
            if _retry(exc):
                raise StoreBusy(monotonic() - started) from None
            raise
        finally:
            if signalled and fcntl is not None:
                self._flock(fcntl.LOCK_UN)

    def end(self) -> None:
        """The transaction is over (committed or rolled back): let the next writer in."""
        self.lock.release()

    def _someone_waits(self) -> bool:
        if self._fd is None or fcntl is None:
            return False
        if not self._flock(fcntl.LOCK_EX | fcntl.LOCK_NB):
            return True
        self._flock(fcntl.LOCK_UN)
        return False

    def _flock(self, operation: int) -> bool:
        if self._fd is None or fcntl is None:
            return False
        try:
            fcntl.flock(self._fd, operation)
        except OSError:
            return False
        return True

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
