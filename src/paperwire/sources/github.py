"""``fetch github``: star counts of the papers' repositories, kept as a history.

For each repository named by a paper's ``github_repo`` (in name order),
``GET {github_api_url}/repos/{owner}/{repo}`` and record ``stargazers_count`` as a new
star observation. Conditional requests: the ETag of the last 200 answer goes back as
``If-None-Match``; a 304 (which GitHub does not count against the rate limit) records
the last known count again, so the history says "unchanged at this time".

- Rate limits: a 403 or 429 with ``X-RateLimit-Remaining: 0`` (wait until
  ``X-RateLimit-Reset``) or with ``Retry-After`` stops the run; the checkpoint keeps the
  last repository done and when to resume, and the next run continues after it (and
  does nothing before that time). A 200 that leaves ``X-RateLimit-Remaining: 0`` stops
  the same way before the next request fails.
- A renamed repository answers 301 to its new address: the redirect is followed, the
  new ``owner/name`` is kept (``moved_to``) and asked for directly from then on.
- 404: reported by name (deleted, private or renamed without a redirect) and skipped.
- Timeouts, connection errors and 5xx are retried (``max_retries``); when retries run
  out the run stops with its progress saved.

``fetch_pages`` only fetches: it is handed its checkpoint, the repositories and what
earlier runs learned of them, and yields one page per repository (a ``RepoCheck`` and
the checkpoint naming it done) for ``paperwire.ingest`` to commit.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import httpx
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from paperwire.config import Settings
from paperwire.models import Rejected, UpsertCounts
from paperwire.normalize import utcnow
from paperwire.sources.base import Checkpoints, Page, Pages
from paperwire.sources.http import PoliteClient, parse_retry_after

log = logging.getLogger(__name__)

CHECKPOINT = "github"
_REPO = re.compile(r"(?:github\.com/)?([A-Za-z0-9][A-Za-z0-9-]*)/([A-Za-z0-9._-]+?)(?:\.git)?/?$")
_DEFAULT_WAIT = 60.0  # GitHub: without Retry-After, wait at least a minute


def repo_name(value: str) -> str | None:
    """``owner/name`` (lower case) of a GitHub URL or ``owner/name``; None if not one."""
    text = value.strip()
    text = re.sub(r"^(?:https?://)?(?:www\.)?", "", text, flags=re.IGNORECASE)
    if not text.lower().startswith("github.com/") and text.count("/") != 1:
        return None
    match = _REPO.fullmatch(text)
    if match is None:
        return None
    return f"{match.group(1)}/{match.group(2)}".lower()


class _Transient(Exception):
    pass


class RateLimited(Exception):
    def __init__(self, resume_at: datetime, why: str) -> None:
        super().__init__(why)
        self.resume_at = resume_at


def _rate_limit_stop(response: httpx.Response) -> RateLimited | None:
    """A stop when this answer says the limit is spent (or to back off); else None."""
    headers = response.headers
    now = datetime.now(UTC)
    retry_after = parse_retry_after(headers.get("Retry-After"))
    if response.status_code in (403, 429) and retry_after is not None:
        return RateLimited(now + timedelta(seconds=retry_after), "GitHub asked to retry later")
    if headers.get("X-RateLimit-Remaining") == "0":
        reset = headers.get("X-RateLimit-Reset", "")
        when = (
            datetime.fromtimestamp(int(reset), UTC)
            if reset.isdigit()
            else now + timedelta(seconds=_DEFAULT_WAIT)
        )
        return RateLimited(when, "the GitHub rate limit is spent")
    if response.status_code == 429:
        return RateLimited(now + timedelta(seconds=_DEFAULT_WAIT), "GitHub answered 429")
    return None


def _headers(settings: Settings, etag: str | None) -> dict[str, str]:
    headers = {
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": settings.user_agent,
    }
    if settings.github_token:
        headers["Authorization"] = f"Bearer {settings.github_token}"
    if etag:
        headers["If-None-Match"] = etag
    return headers


def _get(
    http: httpx.Client, client: PoliteClient, settings: Settings, url: str, headers: dict[str, str]
) -> httpx.Response:
    def once() -> httpx.Response:
        client.requests += 1
        try:
            response = http.get(url, headers=headers)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise _Transient(f"{url}: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500:
            raise _Transient(f"{url}: HTTP {response.status_code}")
        return response

    retrying = Retrying(
        stop=stop_after_attempt(settings.max_retries + 1),
        wait=wait_exponential(multiplier=0.5, max=settings.max_retry_wait),
        retry=retry_if_exception_type(_Transient),
        reraise=True,
    )
    return retrying(once)


def _stars(response: httpx.Response) -> tuple[int, str]:
    body: Any = response.json()
    if not isinstance(body, dict) or not isinstance(body.get("stargazers_count"), int):
        raise ValueError("no stargazers_count in the answer")
    full_name = body.get("full_name")
    return int(body["stargazers_count"]), str(full_name).lower() if full_name else ""


class KnownRepo(Protocol):
    """What an earlier run learned of a repository (the store's ``RepoState``)."""

    @property
    def etag(self) -> str | None: ...
    @property
    def stars(self) -> int | None: ...
    @property
    def status(self) -> int | None: ...
    @property
    def moved_to(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class RepoCheck:
    """What one answer said of a repository, to keep for the papers naming it; with
    ``observed_at`` it is also a star observation."""

    repo: str
    paper_ids: tuple[str, ...]
    etag: str | None
    stars: int | None
    status: int
    checked_at: datetime
    moved_to: str | None = None
    message: str | None = None
    observed_at: datetime | None = None

    def counts(self) -> UpsertCounts:
        """An observation counts as updated (200) or unchanged (304); a repository that
        was skipped (404, another answer) as neither."""
        if self.observed_at is None:
            return UpsertCounts()
        return UpsertCounts(updated=int(self.status == 200), unchanged=int(self.status == 304))


def checkpoint_names(settings: Settings) -> list[str]:
    return [CHECKPOINT]


def fetch_pages(
    client: PoliteClient,
    settings: Settings,
    checkpoints: Checkpoints,
    *,
    targets: Sequence[tuple[str, Sequence[str]]],
    known: Mapping[str, KnownRepo],
) -> Pages[RepoCheck]:
    """One page per repository, in name order, each with the checkpoint ``github`` that
    names the last one done.

    ``targets`` are the repositories the papers name with the papers' ids
    (``Store.github_targets``); ``known`` is what earlier runs learned, by ``owner/name``.
    """
    state = checkpoints.get(CHECKPOINT, {})
    now = datetime.now(UTC)
    resume_at = datetime.fromisoformat(state["resume_at"]) if state.get("resume_at") else None
    if resume_at is not None and resume_at > now:
        yield Page(
            CHECKPOINT,
            errors=(
                f"github: rate limited until {_shown(resume_at)}; "
                f"run `paperwire fetch github` again after then",
            ),
        )
        return
    after = state.get("after") if state.get("status") == "stopped" else None

    by_name: dict[str, list[str]] = {}
    not_repos: list[Rejected] = []
    for url, paper_ids in targets:
        name = repo_name(url)
        if name is None:
            not_repos.append(Rejected(url, "not a GitHub repository (owner/name)"))
            continue
        by_name.setdefault(name, []).extend(paper_ids)
    if not_repos:
        yield Page(CHECKPOINT, rejected=tuple(not_repos))
    names = sorted(n for n in by_name if after is None or n > after)
    done = 0
    base = settings.github_api_url.rstrip("/")
    with httpx.Client(timeout=settings.request_timeout, follow_redirects=True) as http:
        for number, name in enumerate(names):
            if number and settings.github_request_delay > 0:
                time.sleep(settings.github_request_delay)
            last = known.get(name)
            target = last.moved_to if last and last.moved_to else name
            etag = last.etag if last and last.status in (200, 304) else None
            url = f"{base}/repos/{target}"
            try:
                response = _get(http, client, settings, url, _headers(settings, etag))
            except _Transient as exc:
                yield _stop(_name_before(names, number, after), None, str(exc), done)
                return
            stop = _rate_limit_stop(response)
            if stop is not None and response.status_code in (403, 429):
                yield _stop(_name_before(names, number, after), stop, str(stop), done)
                return
            page = _repo_page(name, tuple(by_name[name]), last, etag, url, response)
            yield page
            if not page.records:  # an answer without stars: asked again next time
                continue
            done += 1
            if stop is not None:  # the limit is spent: the next request would fail
                yield _stop(name, stop, str(stop), done)
                return
    yield Page(CHECKPOINT, {"status": "complete", "finished_at": utcnow().isoformat()})


def _repo_page(
    name: str,
    paper_ids: tuple[str, ...],
    last: KnownRepo | None,
    etag: str | None,
    url: str,
    response: httpx.Response,
) -> Page[RepoCheck]:
    """What one answer says of ``name``, with the checkpoint that names it done."""
    observed = datetime.now(UTC)
    status = response.status_code
    done = {"status": "stopped", "after": name}
    if status == 304 and last is not None and last.stars is not None:
        check = RepoCheck(
            name, paper_ids, etag, last.stars, 304, observed, last.moved_to, observed_at=observed
        )
    elif status == 200:
        try:
            stars, full_name = _stars(response)
        except ValueError as exc:
            return Page(CHECKPOINT, rejected=(Rejected(name, f"{url}: {exc}"),))
        moved = full_name if full_name and full_name != name else None
        if moved and (last is None or last.moved_to != moved):
            log.warning(
                "github: %s was renamed to %s (301); its stars are recorded and later "
                "runs ask for the new name",
                name,
                moved,
            )
        message = f"renamed to {moved}" if moved else None
        etag = response.headers.get("ETag")
        check = RepoCheck(
            name, paper_ids, etag, stars, 200, observed, moved, message, observed_at=observed
        )
    else:
        if status == 404:
            message = "not found on GitHub (404): deleted, private or renamed; skipped"
        else:
            message = f"GitHub answered HTTP {status}; skipped"
        check = RepoCheck(name, paper_ids, None, None, status, observed, message=message)
        return Page(CHECKPOINT, done, (check,), (Rejected(name, message),))
    return Page(CHECKPOINT, done, (check,))


def _shown(when: datetime) -> str:
    """A resume time to the second, rounded up (never earlier than the real one)."""
    if when.microsecond:
        when = when.replace(microsecond=0) + timedelta(seconds=1)
    return when.isoformat()


def _name_before(names: list[str], index: int, after: str | None) -> str | None:
    return names[index - 1] if index else after


def _stop(after: str | None, stop: RateLimited | None, why: str, done: int) -> Page[RepoCheck]:
    """The progress to save, and when to resume."""
    value: dict[str, Any] = {"status": "stopped", "after": after}
    if stop is not None:
        value["resume_at"] = stop.resume_at.isoformat()
        when = f"run `paperwire fetch github` again after {_shown(stop.resume_at)}"
    else:
        when = "run `paperwire fetch github` again to resume"
    return Page(
        CHECKPOINT,
        value,
        errors=(f"github: stopped after {done} repositories ({why}); progress saved; {when}",),
    )
