"""Subscribing to unsubscribing against the running app and a real SMTP server: the
confirmation mail, the digest read back with Python's email parser, its links, and the
RFC 8058 one-click unsubscribe."""

from __future__ import annotations

import re
from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from paperwire.config import Settings
from paperwire.digest.outbox import compose_frequency
from paperwire.digest.send import send_outbox
from paperwire.store.base_digests import CONFIRMED, PENDING, UNSUBSCRIBED
from paperwire.web.app import create_app
from tests.digest.conftest import Site
from tests.mail.smtp_server import SMTPServer

BASE = "http://paperwire.test"


def client_for(settings: Settings, site: Site) -> TestClient:
    return TestClient(create_app(settings, site.store), base_url=BASE)


def submit(
    client: TestClient, page: str, data: dict[str, object], form_selector: str = "main form"
) -> str:
    """What a browser does: GET the page, keep its cookies, send back its hidden inputs."""
    response = client.get(page)
    assert response.status_code == 200, response.text
    soup = BeautifulSoup(response.text, "html.parser")
    form = soup.select_one(form_selector)
    assert form is not None
    fields: dict[str, object] = {
        str(i["name"]): i.get("value", "") for i in form.select("input[type=hidden]")
    }
    fields.update(data)
    answer = client.post(str(form["action"]), data=fields)
    return f"{answer.status_code}\n{answer.text}"


def links_of(message: EmailMessage) -> list[str]:
    html = message.get_body(("html",))
    assert html is not None
    soup = BeautifulSoup(html.get_content(), "html.parser")
    return [str(a["href"]) for a in soup.find_all("a")]


def local(url: str) -> str:
    assert url.startswith(BASE), url
    return url.removeprefix(BASE)


def test_subscribe_confirm_digest_and_one_click_unsubscribe(
    site: Site, smtp_server: SMTPServer
) -> None:
    settings = site.make_settings(smtp_url=smtp_server.url)
    client = client_for(settings, site)
    answer = submit(
        client,
        "/subscribe",
        {
            "email": " Ada@Example.ORG ",
            "frequency": "daily",
            "topics": "diffusion, speech",
            "categories": ["cs.CV", "cs.CL"],
            "timezone": "Europe/Paris",
        },
    )
    assert answer.startswith("200") and "Check your inbox" in answer
    [confirmation] = smtp_server.received
    mail = confirmation.parse()
    assert mail["To"] == "Ada@example.org" and confirmation.rcpt_tos == ["Ada@example.org"]
    [url] = [u for u in links_of(mail) if "/subscribe/confirm" in u]
    assert url in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    subscriber = site.store.subscriber_by_email("Ada@example.org")
    assert subscriber is not None and subscriber.status == PENDING

    # Nothing but the confirmation goes to an unconfirmed address.
    compose_frequency(site.store, settings, "daily")
    assert send_outbox(site.store, settings).sent == 0
    assert len(smtp_server.received) == 1

    answer = submit(client, local(url), {})
    assert answer.startswith("200") and "You are subscribed" in answer
    subscriber = site.store.subscriber_by_email("Ada@example.org")
    assert subscriber is not None and subscriber.status == CONFIRMED
    assert subscriber.prefs.topics == ["diffusion", "speech"]
    assert subscriber.prefs.categories == ["cs.CV", "cs.CL"]
    assert subscriber.prefs.timezone == "Europe/Paris"

    report = compose_frequency(site.store, settings, "daily")
    assert report.composed == 1
    sent = send_outbox(site.store, settings)
    assert (sent.sent, sent.failed) == (1, 0)
    received = smtp_server.received[1]
    digest = received.parse()
    assert received.rcpt_tos == ["Ada@example.org"]
    assert digest.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in digest.iter_parts()] == ["text/plain", "text/html"]
    assert re.fullmatch(r"<daily-2026-07-01\.\d+\.[0-9a-f]+@paperwire\.test>", digest["Message-ID"])
    assert digest["Date"] and digest["Subject"].startswith("Papers of Jul 1, 2026")
    assert digest["List-Id"] == "paperwire digests <digests.paperwire.test>"
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.fullmatch(r"<(https?://[^>]+)>", digest["List-Unsubscribe"])
    assert unsubscribe is not None and "/subscribe/unsubscribe?token=" in unsubscribe[1]

    text = digest.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = digest.get_body(("html",)).get_content()  # type: ignore[union-attr]
    soup = BeautifulSoup(html, "html.parser")
    assert [h.get_text() for h in soup.find_all("h2")][1:] == ["On “diffusion”", "On “speech”"]
    assert "matches ‘diffusion’" in text and "matches ‘diffusion’" in soup.get_text()
    assert soup.find("img") is None and soup.find("script") is None
    assert soup.find("meta", attrs={"name": "color-scheme"})["content"] == "light dark"  # type: ignore[index]
    assert "prefers-color-scheme: dark" in soup.find_all("style")[-1].get_text()
    assert "style=" in html and soup.select_one(".title a")["style"]  # type: ignore[index]
    hrefs = links_of(digest)
    papers = [u for u in hrefs if "/papers/" in u]
    assert papers and all(u.startswith(f"{BASE}/papers/") for u in papers)
    for url in dict.fromkeys(papers):  # every paper link works against the running app
        assert client.get(local(url)).status_code == 200, url
        assert url in text
    assert all(re.match(r"https?://", u) for u in hrefs)  # no relative or remote-image links
    [preferences] = [u for u in hrefs if "/subscribe/preferences" in u]
    page = client.get(local(preferences))
    assert page.status_code == 200 and "no-store" in page.headers["cache-control"]
    referrer = BeautifulSoup(page.text, "html.parser").find("meta", attrs={"name": "referrer"})
    assert referrer is not None and referrer["content"] == "no-referrer"
    assert unsubscribe[1] in hrefs  # the visible link

    # The one-click unsubscribe, as a mail client sends it (no cookies, no CSRF token).
    one_click = TestClient(create_app(settings, site.store), base_url=BASE)
    response = one_click.post(
        local(unsubscribe[1]),
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200 and "You are unsubscribed" in response.text
    subscriber = site.store.subscriber_by_email("Ada@example.org")
    assert subscriber is not None and subscriber.status == UNSUBSCRIBED
    # ... and nothing more is composed for that address.
    assert compose_frequency(site.store, settings, "daily", dry_run=True).composed == 0


def test_unsubscribe_page_asks_before_it_acts(site: Site) -> None:
    settings = site.settings
    subscriber = site.store.confirm_subscription(
        "bob@example.org",
        __import__("paperwire.store.base_digests").store.base_digests.Preferences(),
        now=__import__("paperwire.normalize").normalize.utcnow(),
    )
    from paperwire.digest.subscriptions import Links

    url = Links.of(settings, site.store).unsubscribe_url(subscriber.id)
    client = client_for(settings, site)
    page = client.get(local(url))
    assert page.status_code == 200 and "no-store" in page.headers["cache-control"]
    assert site.store.get_subscriber(subscriber.id).status == CONFIRMED  # type: ignore[union-attr]
    answer = submit(client, local(url), {})
    assert answer.startswith("200") and "You are unsubscribed" in answer
    assert site.store.get_subscriber(subscriber.id).status == UNSUBSCRIBED  # type: ignore[union-attr]


def test_preferences_change_by_signed_link(site: Site) -> None:
    from paperwire.digest.subscriptions import Links
    from paperwire.normalize import utcnow
    from paperwire.store.base_digests import Preferences

    settings = site.settings
    sub = site.store.confirm_subscription(
        "cy@example.org", Preferences("daily", [], ["gan"]), now=utcnow()
    )
    url = Links.of(settings, site.store).preferences_url(sub.id)
    client = client_for(settings, site)
    answer = submit(
        client,
        local(url),
        {
            "frequency": "weekly",
            "topics": "saliency maps, token pruning",
            "categories": ["cs.LG"],
            "timezone": "Asia/Tokyo",
        },
    )
    assert answer.startswith("200") and "Saved." in answer
    changed = site.store.get_subscriber(sub.id)
    assert changed is not None and changed.prefs.frequency == "weekly"
    assert changed.prefs.topics == ["saliency maps", "token pruning"]
    assert (changed.prefs.categories, changed.prefs.timezone) == (["cs.LG"], "Asia/Tokyo")
    bad = submit(client, local(url), {"frequency": "hourly", "timezone": "Mars/Olympus"})
    assert bad.startswith("400") and "Unknown time zone" in bad
    assert site.store.get_subscriber(sub.id).prefs.frequency == "weekly"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "path", ["/subscribe/confirm", "/subscribe/preferences", "/subscribe/unsubscribe"]
)
def test_tampered_or_foreign_tokens_are_refused(site: Site, path: str) -> None:
    from paperwire.digest.subscriptions import Links

    settings = site.settings
    client = client_for(settings, site)
    other = Links("another-key", BASE).unsubscribe_url(1)
    token = parse_qs(urlsplit(other).query)["token"][0]
    for bad in ["", "x", token, token[:-2]]:
        response = client.get(path, params={"token": bad})
        assert response.status_code == 400 and "This link does not work" in response.text
    # A token of one purpose does not work for another.
    links = Links.of(settings, site.store)
    unsubscribe_token = parse_qs(urlsplit(links.unsubscribe_url(1)).query)["token"][0]
    if path != "/subscribe/unsubscribe":
        assert client.get(path, params={"token": unsubscribe_token}).status_code == 400
    assert client.post("/subscribe/unsubscribe", params={"token": token}).status_code == 400


def test_confirmation_links_expire(site: Site) -> None:
    import time

    from paperwire.digest.subscriptions import InvalidToken, Links
    from paperwire.store.base_digests import Preferences

    links = Links("key", BASE, confirm_days=7)
    url = links.confirm_url("ada@example.org", Preferences())
    token = parse_qs(urlsplit(url).query)["token"][0]
    assert links.read_confirm(token)[0] == "ada@example.org"
    short = Links("key", BASE, confirm_days=0)  # valid for 0 s: expired a second later
    time.sleep(1.1)
    with pytest.raises(InvalidToken, match="expired"):
        short.read_confirm(token)
    assert (
        short.read_unsubscribe(parse_qs(urlsplit(short.unsubscribe_url(7)).query)["token"][0]) == 7
    )


def test_the_api_answers_the_same_for_known_and_unknown_addresses(
    site: Site, smtp_server: SMTPServer
) -> None:
    settings = site.make_settings(smtp_url=smtp_server.url)
    client = client_for(settings, site)
    body = {
        "email": "dee@example.org",
        "frequency": "weekly",
        "categories": ["cs.CL"],
        "topics": ["token pruning"],
    }
    first = client.post("/api/v1/subscriptions", json=body)
    assert first.status_code == 202
    site.store.confirm_subscription(
        "eve@example.org",
        __import__("paperwire.store.base_digests").store.base_digests.Preferences(),
        now=__import__("paperwire.normalize").normalize.utcnow(),
    )
    known = client.post("/api/v1/subscriptions", json=body | {"email": "eve@example.org"})
    assert (known.status_code, known.json()) == (first.status_code, first.json())
    again = client.post("/api/v1/subscriptions", json=body)  # a repeat: no second mail so soon
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert sorted(r.rcpt_tos[0] for r in smtp_server.received) == [
        "dee@example.org",
        "eve@example.org",
    ]
    assert all(
        "/subscribe/confirm" in r.parse().get_body(("plain",)).get_content()
        for r in smtp_server.received
    )  # type: ignore[union-attr]
    pending = site.store.subscriber_by_email("dee@example.org")
    assert pending is not None and pending.status == PENDING and pending.prefs.frequency == "weekly"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": "a@example.org", "frequency": "hourly"}, "frequency"),
        ({"email": "a@example.org", "timezone": "Nowhere/Land"}, "timezone"),
        ({"email": "a@example.org", "topics": ["x" * 101]}, "topics"),
        ({"email": "a@example.org", "categories": ["<x>"]}, "categories"),
        ({"email": "a@example.org", "extra": 1}, "extra"),
    ],
)
def test_the_api_names_a_bad_field_and_stores_nothing(
    site: Site, body: dict[str, object], field: str
) -> None:
    client = client_for(site.settings, site)
    response = client.post("/api/v1/subscriptions", json=body)
    assert response.status_code == 422
    assert field in response.json()["detail"]
    assert site.store.subscribers(status=PENDING) == []
