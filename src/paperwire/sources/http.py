"""A polite HTTP client for the network sources.

One connection, a fixed delay between requests (arXiv asks for one request every
3 s), and retries with exponential backoff on timeouts, connection errors, 429 and
5xx answers, honouring ``Retry-After`` (capped by ``max_retry_wait``). Retrying is
tenacity's job; this module only says what is worth retrying and how long to wait.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from paperwire.config import Settings
from paperwire.errors import SourceError

log = logging.getLogger(__name__)

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class _Retryable(Exception):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds, from either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class PoliteClient:
    def __init__(self, settings: Settings, *, transport: httpx.BaseTransport | None = None) -> None:
        self.delay = settings.request_delay
        self.max_retries = settings.max_retries
        self.max_wait = settings.max_retry_wait
        self._backoff = wait_exponential_jitter(initial=1, max=self.max_wait, jitter=1)
        self._last: float | None = None
        self.requests = 0
        self._client = httpx.Client(
            timeout=settings.request_timeout,
            headers={"User-Agent": settings.user_agent},
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            follow_redirects=True,
            transport=transport,
        )

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def _wait(self, state: RetryCallState) -> float:
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, _Retryable) and error.retry_after is not None:
            return min(error.retry_after, self.max_wait)
        return min(float(self._backoff(state)), self.max_wait)

    def _pause(self) -> None:
        if self._last is not None and self.delay > 0:
            remaining = self.delay - (time.monotonic() - self._last)
            if remaining > 0:
                time.sleep(remaining)

    def _once(
        self, url: str, params: Mapping[str, Any] | None, headers: Mapping[str, str]
    ) -> httpx.Response:
        self._pause()
        self.requests += 1
        try:
            response = self._client.get(url, params=params, headers=headers)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise _Retryable(f"{type(exc).__name__}: {exc}") from exc
        finally:
            self._last = time.monotonic()
        if response.status_code in RETRY_STATUS:
            raise _Retryable(
                f"HTTP {response.status_code}",
                parse_retry_after(response.headers.get("Retry-After")),
            )
        return response

    def get(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        ok: frozenset[int] = frozenset({200}),
    ) -> httpx.Response:
        """GET with politeness and retries. Returns a response whose status is in ``ok``
        (by default 200); raises ``SourceError`` otherwise or when retries run out."""
        retrying = Retrying(
            stop=stop_after_attempt(self.max_retries + 1),
            wait=self._wait,
            retry=retry_if_exception_type(_Retryable),
            before_sleep=lambda s: log.warning(
                "%s: %s, retrying (attempt %d)",
                url,
                s.outcome.exception() if s.outcome else "?",
                s.attempt_number,
            ),
            reraise=True,
        )
        try:
            response = retrying(self._once, url, params, headers or {})
        except _Retryable as exc:
            raise SourceError(f"{url}: {exc} after {self.max_retries} retries") from exc
        if response.status_code not in ok:
            excerpt = " ".join(response.text[:200].split())
            raise SourceError(f"{response.url}: HTTP {response.status_code}: {excerpt}")
        return response
