"""What the account tests share: an app on a fresh database, a recorded arXiv API on
loopback, and a browser-like client that fills forms the way a browser does (GET the
page, keep its cookies, send back every hidden input)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from paperwire.config import Settings
from paperwire.models import Author, FeedDate, Paper
from paperwire.store import Store
from paperwire.web.app import create_app
from tests.conftest import SHARED_DATA
from tests.http_server import Reply, Request

RECORDED = SHARED_DATA / "arxiv_api" / "2026_recorded_arxiv_py"
#: The recorded arXiv API answers by the id asked for; anything else: the empty answer.
RECORDED_IDS = {
    "1605.08386": "id_1605.08386_s0_m100_199195aa31ad.json",
    "1707.08567": "id_1707.08567_s0_m100_6a1afebfc6a3.json",
    "2104.12255": "id_2104.12255v1_s0_m100_6ae69987ffe1.json",
    "astro-ph/0601001": "id_astro-ph_0601001_s0_m100_3150dca9dc76.json",
}
EMPTY = "id_0000.0000_s0_m100_8b51d9633a68.json"
#: First versions of the recorded papers (from the recordings).
PUBLISHED = {
    "1605.08386": datetime(2016, 5, 26, 17, 59, 46, tzinfo=UTC),
    "1707.08567": datetime(2017, 7, 27, 8, 18, 33, tzinfo=UTC),
    "2104.12255": datetime(2021, 4, 20, 16, 7, 14, tzinfo=UTC),
}
BASE_URL = "http://testserver"
LINK = re.compile(r"http://testserver/login/confirm\?token=[A-Za-z0-9_.\-%]+")


def arxiv_api(request: Request) -> Reply:
    """The arXiv API as recorded: ``id_list=`` picks the recording."""
    name = RECORDED_IDS.get(request.query.get("id_list", ""), EMPTY)
    recorded = json.loads((RECORDED / name).read_text())
    return Reply(
        recorded["status_code"],
        recorded["body"],
        {"Content-Type": "application/atom+xml; charset=utf-8"},
    )


def sample_papers() -> list[Paper]:
    when = datetime(2026, 7, 1, 12, tzinfo=UTC)
    return [
        Paper(
            id="2607.00001",
            version=1,
            title="A Paper With Imported Upvotes",
            abstract="Hugging Face readers liked it.",
            authors=[Author("Ada Lovelace")],
            categories=["cs.LG"],
            published_at=when,
            upvotes=5,
            feed_dates=[FeedDate(when.date(), "hf-daily")],
            sources=["test"],
        ),
        Paper(
            id="2607.00002",
            version=1,
            title="A Paper Nobody Upvoted Yet",
            abstract="Known from the arXiv listing only.",
            authors=[Author("Alan Turing")],
            categories=["cs.LG"],
            published_at=when,
            feed_dates=[FeedDate(when.date(), "arxiv")],
            sources=["test"],
        ),
        Paper(
            id="hep-th/9901001",
            version=1,
            title="An Old-Style Identifier",
            abstract="A slash inside the id.",
            authors=[Author("Edward Witten")],
            categories=["hep-th"],
            published_at=datetime(1999, 1, 4, tzinfo=UTC),
            sources=["test"],
        ),
    ]


@dataclass
class Community:
    """An app on a fresh database; mail goes to ``outbox`` (the file transport)."""

    store: Store
    settings: Settings
    app: FastAPI
    outbox: Path
    clients: list[TestClient] = field(default_factory=list)

    def client(self) -> TestClient:
        client = TestClient(self.app, base_url=BASE_URL)
        self.clients.append(client)
        return client

    def mails(self) -> list[EmailMessage]:
        if not self.outbox.is_dir():
            return []
        found = []
        for path in sorted(self.outbox.glob("*.eml")):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            assert isinstance(message, EmailMessage)
            found.append(message)
        return found

    def links(self, to: str) -> list[str]:
        found = []
        for message in self.mails():
            if message["To"] == to:
                body = message.get_body(("plain",))
                assert body is not None
                found += LINK.findall(body.get_content())
        return found

    def sign_in(self, client: TestClient, email: str) -> None:
        before = len(self.links(email))
        response = submit_form(client, "/login", "form.login", {"email": email})
        assert response.status_code == 200, response.text
        links = self.links(email)
        assert len(links) == before + 1
        confirmed = submit_form(client, links[-1], "form.login-confirm", {})
        assert confirmed.status_code == 200
        assert str(confirmed.url).endswith("/me")

    def close(self) -> None:
        for client in self.clients:
            client.close()


def make_community(
    store: Store, tmp_path: Path, arxiv_url: str = "http://127.0.0.1:9/none", **overrides: Any
) -> Community:
    values: dict[str, Any] = {
        "database_url": store.url,
        "base_url": BASE_URL,
        "smtp_url": f"file://{tmp_path / 'outbox'}",
        "arxiv_api_url": arxiv_url,
        "request_delay": 0.0,
        "max_retries": 0,
        "request_timeout": 5.0,
    }
    values.update(overrides)
    settings = Settings(**values)
    store.upsert_papers(sample_papers())
    app = create_app(settings, store)
    return Community(store, settings, app, tmp_path / "outbox")


def hidden_inputs(html: str, selector: str) -> tuple[str, dict[str, str]]:
    """The form's action and its hidden inputs."""
    form = BeautifulSoup(html, "html.parser").select_one(selector)
    assert form is not None, f"no {selector} on the page"
    values = {
        str(i["name"]): str(i.get("value", ""))
        for i in form.select("input[type=hidden]")
        if i.get("name")
    }
    return str(form.get("action", "")), values


def submit_form(
    client: TestClient, page: str, selector: str, data: dict[str, str], **kwargs: Any
) -> Response:
    """What a browser does: GET the page, then POST the form with its hidden inputs."""
    shown = client.get(page)
    assert shown.status_code == 200, shown.text
    action, values = hidden_inputs(shown.text, selector)
    values.update(data)
    return client.post(action, data=values, **kwargs)


def fixed_clock(app: FastAPI, when: datetime) -> Callable[[], datetime]:
    def clock() -> datetime:
        return when

    app.state.clock = clock
    return clock
