"""``fetch github`` against a loopback server answering as the GitHub REST API does
(``GET /repos/{owner}/{repo}``: JSON with ``full_name`` and ``stargazers_count``, an
``ETag``, ``X-RateLimit-*`` headers; 304 to a matching ``If-None-Match``; 301 to
``/repositories/{id}`` for a renamed repository; 404 for a missing one)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import pytest

from paperwire.config import Settings
from paperwire.ingest import fetch_source
from paperwire.models import FeedDate, Paper
from paperwire.sources.github import CHECKPOINT, repo_name
from paperwire.store import Store
from tests.http_server import Handler, LoopbackServer, Reply, Request

Serve = Callable[[Handler], LoopbackServer]


@dataclass
class FakeGitHub:
    stars: dict[str, int]
    renamed: dict[str, tuple[int, str]] = field(default_factory=dict)  # old -> (id, new)
    budget: int = 1000  # requests that count against the limit before it is spent
    reset: int = 0
    stop_with: str = "403"  # "403" (primary limit) or "429" (secondary, Retry-After)

    def __call__(self, request: Request) -> Reply:
        name = request.path.removeprefix("/repos/").lower()
        if request.path.startswith("/repositories/"):
            number = int(request.path.rsplit("/", 1)[1])
            name = next(new for old, (i, new) in self.renamed.items() if i == number)
        elif name in self.renamed:
            number = self.renamed[name][0]
            return Reply(301, "", {"Location": f"/repositories/{number}"})
        if name not in self.stars:
            return Reply(404, json.dumps({"message": "Not Found"}))
        etag = f'W/"{name}-{self.stars[name]}"'
        if request.headers.get("If-None-Match") == etag:
            return Reply(304, b"", {"ETag": etag})  # does not count against the limit
        if self.budget <= 0:
            if self.stop_with == "429":
                return Reply(429, json.dumps({"message": "secondary"}), {"Retry-After": "1"})
            headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(self.reset)}
            return Reply(403, json.dumps({"message": "API rate limit exceeded"}), headers)
        self.budget -= 1
        body = {"full_name": name, "stargazers_count": self.stars[name]}
        headers = {
            "ETag": etag,
            "Content-Type": "application/json",
            "X-RateLimit-Remaining": str(max(self.budget, 1)),
        }
        return Reply(200, json.dumps(body), headers)


def _papers(store: Store, repos: list[str]) -> None:
    store.upsert_papers(
        Paper(
            id=f"2606.{n:05d}",
            title=f"Paper {n}",
            github_repo=f"https://github.com/{repo}",
            feed_dates=[FeedDate(date(2026, 6, 12), "hf-daily")],
        )
        for n, repo in enumerate(repos, start=1)
    )


def _settings(fast_settings: Callable[..., Settings], url: str, **extra: object) -> Settings:
    return fast_settings(github_api_url=url, github_request_delay=0.0, **extra)


def _observations(store: Store, paper_id: str) -> list[int]:
    return [stars for _, stars in store.star_history(paper_id)]


def test_repo_names() -> None:
    assert repo_name("https://github.com/MiniMax-AI/MSA") == "minimax-ai/msa"
    assert repo_name("github.com/a/b.git") == "a/b"
    assert repo_name("owner/name") == "owner/name"
    assert repo_name("https://gitlab.com/a/b") is None
    assert repo_name("not a repo") is None


def test_records_history_with_etags_and_token(
    store: Store, serve: Serve, fast_settings: Callable[..., Settings]
) -> None:
    github = FakeGitHub({"a/one": 10, "b/two": 5})
    server = serve(github)
    _papers(store, ["a/one", "B/Two"])
    settings = _settings(fast_settings, server.url, github_token="tok123")

    report = fetch_source(store, settings, "github")
    assert report.ok, report.errors
    assert report.requests == 2
    assert _observations(store, "2606.00001") == [10]
    assert _observations(store, "2606.00002") == [5]
    assert server.requests[0].headers["Authorization"] == "Bearer tok123"
    assert "If-None-Match" not in server.requests[0].headers

    # Nothing changed: conditional requests answer 304 and the history grows unchanged.
    time.sleep(1.05)  # observations are kept to the second
    github.stars["b/two"] = 7
    report = fetch_source(store, settings, "github")
    assert report.ok, report.errors
    assert server.requests[2].headers["If-None-Match"] == 'W/"a/one-10"'
    assert _observations(store, "2606.00001") == [10, 10]
    assert _observations(store, "2606.00002") == [5, 7]
    assert store.get_paper("2606.00002").github_stars == 7  # type: ignore[union-attr]
    assert report.counts.unchanged == 1 and report.counts.updated == 1
    assert store.get_checkpoint(CHECKPOINT)["status"] == "complete"  # type: ignore[index]


def test_rate_limit_stops_saves_progress_and_resumes(
    store: Store, serve: Serve, fast_settings: Callable[..., Settings]
) -> None:
    github = FakeGitHub({"a/one": 1, "b/two": 2, "c/three": 3}, budget=2, stop_with="429")
    server = serve(github)
    _papers(store, ["a/one", "b/two", "c/three"])
    settings = _settings(fast_settings, server.url)

    report = fetch_source(store, settings, "github")
    assert len(report.errors) == 1
    assert "stopped after 2 repositories" in report.errors[0]
    assert "again after" in report.errors[0]
    assert store.get_checkpoint(CHECKPOINT)["after"] == "b/two"  # type: ignore[index]
    assert _observations(store, "2606.00003") == []

    # Before the time GitHub gave, a run asks nothing and says when to come back.
    seen = len(server.requests)
    report = fetch_source(store, settings, "github")
    assert "rate limited until" in report.errors[0]
    assert len(server.requests) == seen

    time.sleep(1.1)
    github.budget = 10
    report = fetch_source(store, settings, "github")
    assert report.ok, report.errors
    assert [r.path for r in server.requests[seen:]] == ["/repos/c/three"]
    assert _observations(store, "2606.00003") == [3]
    assert _observations(store, "2606.00001") == [1]


def test_primary_limit_names_the_reset_time(
    store: Store, serve: Serve, fast_settings: Callable[..., Settings]
) -> None:
    reset = int(time.time()) + 3600
    server = serve(FakeGitHub({"a/one": 1, "b/two": 2}, budget=1, reset=reset))
    _papers(store, ["a/one", "b/two"])
    report = fetch_source(store, _settings(fast_settings, server.url), "github")
    checkpoint = store.get_checkpoint(CHECKPOINT)
    assert checkpoint is not None and checkpoint["after"] == "a/one"
    assert datetime.fromisoformat(checkpoint["resume_at"]).timestamp() == reset
    assert f"again after {checkpoint['resume_at']}" in report.errors[0]


def test_missing_and_renamed_repositories(
    store: Store,
    serve: Serve,
    fast_settings: Callable[..., Settings],
    caplog: pytest.LogCaptureFixture,
) -> None:
    github = FakeGitHub({"new/name": 42}, renamed={"old/name": (7, "new/name")})
    server = serve(github)
    _papers(store, ["gone/repo", "old/name"])
    settings = _settings(fast_settings, server.url)
    with caplog.at_level(logging.WARNING):
        report = fetch_source(store, settings, "github")
    assert [str(r) for r in report.rejected] == [
        "gone/repo: not found on GitHub (404): deleted, private or renamed; skipped"
    ]
    assert "old/name was renamed to new/name" in caplog.text
    assert _observations(store, "2606.00002") == [42]
    assert _observations(store, "2606.00001") == []
    state = store.repo_state("old/name")
    assert state is not None and state.moved_to == "new/name"

    # Later runs ask for the new name directly (and conditionally).
    seen = len(server.requests)
    fetch_source(store, settings, "github")
    asked = [r for r in server.requests[seen:] if "name" in r.path]
    assert [r.path for r in asked] == ["/repos/new/name"]
    assert asked[0].headers.get("If-None-Match") == 'W/"new/name-42"'


def test_a_500_on_the_third_repository_keeps_the_first_two_with_their_checkpoint(
    store: Store, serve: Serve, fast_settings: Callable[..., Settings]
) -> None:
    github = FakeGitHub({"a/one": 1, "b/two": 2, "c/three": 3, "d/four": 4})
    is_down = [True]

    def third_fails(request: Request) -> Reply:
        if is_down[0] and request.path == "/repos/c/three":
            return Reply(500, "Internal Server Error")
        return github(request)

    server = serve(third_fails)
    _papers(store, ["a/one", "b/two", "c/three", "d/four"])
    settings = _settings(fast_settings, server.url, max_retries=1)

    report = fetch_source(store, settings, "github")
    assert len(report.errors) == 1 and "stopped after 2 repositories" in report.errors[0]
    assert "HTTP 500" in report.errors[0]
    assert report.counts.updated == 2
    assert store.get_checkpoint(CHECKPOINT) == {"status": "stopped", "after": "b/two"}
    assert [_observations(store, f"2606.0000{n}") for n in (1, 2, 3, 4)] == [[1], [2], [], []]
    assert store.repo_state("c/three") is None

    is_down[0] = False
    seen = len(server.requests)
    report = fetch_source(store, settings, "github")
    assert report.ok, report.errors
    assert [r.path for r in server.requests[seen:]] == ["/repos/c/three", "/repos/d/four"]
    assert [_observations(store, f"2606.0000{n}") for n in (3, 4)] == [[3], [4]]
