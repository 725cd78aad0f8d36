"""Signing in and upvoting in a real browser (Debian's chromium via Playwright) against a
real server on loopback: the emailed link, the confirm button, the upvote button's script
(fetch with the X-CSRF-Token header) under the site's CSP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from paperwire.store import Store
from tests.auth.support import Community, make_community
from tests.served import Loopback
from tests.web.test_browser import WATCH_CSP, chromium

LINK = re.compile(r"http://127\.0\.0\.1:\d+/login/confirm\?token=\S+")


@pytest.fixture
def running(store: Store, tmp_path: Path) -> Iterator[tuple[Community, str]]:
    place = Loopback()
    community = make_community(store, tmp_path, base_url=place.base)
    with place.serve(community.app) as base:
        yield community, base


@pytest.fixture
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def local_upvotes(store: Store, paper_id: str) -> int:
    paper = store.get_paper(paper_id)
    assert paper is not None
    return paper.local_upvotes


def sign_in(page: Page, community: Community, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", "ada@example.org")
    before = len(community.mails())
    with page.expect_navigation(wait_until="load"):
        page.click("form.login button")
    assert page.locator("main h1").inner_text() == "Check your email"
    mails = community.mails()
    assert len(mails) == before + 1, "the sign-in link was not mailed"
    body = mails[-1].get_body(("plain",))
    assert body is not None
    (link,) = LINK.findall(body.get_content())
    page.goto(link)
    with page.expect_navigation(wait_until="load"):
        page.click("form.login-confirm button")
    assert page.url == f"{base}/me"


def test_sign_in_and_upvote_in_a_browser(running: tuple[Community, str], browser: Browser) -> None:
    community, base = running
    context = browser.new_context()
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, community, base)
    assert "ada@example.org" in page.locator("header .account").inner_text()

    page.goto(f"{base}/papers/2607.00001")
    button = page.locator("form.upvote button").first
    assert button.get_attribute("aria-pressed") == "false"
    assert button.locator(".count").inner_text() == "5"
    with page.expect_response(lambda r: r.url.endswith("/upvote") and r.status == 200):
        button.click()
    page.wait_for_function(
        "document.querySelector('form.upvote button').getAttribute('aria-pressed') === 'true'"
    )
    assert button.locator(".count").inner_text() == "6"
    assert page.url == f"{base}/papers/2607.00001"  # no reload: the script did it
    assert local_upvotes(community.store, "2607.00001") == 1
    with page.expect_response(lambda r: r.url.endswith("/upvote") and r.status == 200):
        button.click()
    page.wait_for_function(
        "document.querySelector('form.upvote button').getAttribute('aria-pressed') === 'false'"
    )
    assert button.locator(".count").inner_text() == "5"
    assert local_upvotes(community.store, "2607.00001") == 0

    page.click("details.account-menu summary")  # sign-out sits in the account menu
    page.click("form.signout button")
    page.wait_for_url(f"{base}/")
    assert "Sign in" in page.locator("header .account").inner_text()
    assert page.evaluate("window.__csp || []") == []
    assert errors == []
    context.close()


def test_upvote_without_javascript(running: tuple[Community, str], browser: Browser) -> None:
    community, base = running
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, community, base)
    page.goto(f"{base}/?date=2026-07-01")
    with page.expect_navigation(wait_until="load"):
        page.locator("article.card[data-paper='2607.00002'] form.upvote button").click()
    assert page.url == f"{base}/?date=2026-07-01"
    card = page.locator("article.card[data-paper='2607.00002'] form.upvote button")
    assert card.get_attribute("aria-pressed") == "true"
    assert local_upvotes(community.store, "2607.00002") == 1
    context.close()
