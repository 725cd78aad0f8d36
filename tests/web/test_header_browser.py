"""The header, the upvote button and the forms in a real browser (Debian's chromium via
Playwright) against a real server on loopback: at 375, 768, 1366 and 1920 px, light and
dark, signed in and out."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from paperwire.store import Store
from tests.auth.support import Community
from tests.web import test_account_browser as account_browser
from tests.web.test_account_browser import LINK
from tests.web.test_browser import WATCH_CSP

# The same fixtures as the sign-in browser tests: a server on a fresh database, a browser.
running = account_browser.running
browser = account_browser.browser

WIDTHS = (375, 768, 1366, 1920)
SCHEMES = ("light", "dark")
PAGES = ("/?date=2026-07-01", "/papers/2607.00001", "/subscribe", "/search?q=paper", "/login")

#: WCAG contrast ratio of an element's text against its own (or nearest) background.
CONTRAST = """
(el) => {
  const rgb = (s) => s.match(/[\\d.]+/g).slice(0, 4).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let node = el, bg = null;
  while (node && node.nodeType === 1) {
    const c = rgb(getComputedStyle(node).backgroundColor);
    if (c.length < 4 || c[3] > 0) { bg = c; break; }
    node = node.parentElement;
  }
  const a = lum(rgb(getComputedStyle(el).color)), b = lum(bg || [255, 255, 255]);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
"""


def local_upvotes(store: Store, paper_id: str) -> int:
    paper = store.get_paper(paper_id)
    assert paper is not None
    return paper.local_upvotes


def signed_in_state(
    browser: Browser, community: Community, base: str, email: str = "ada@example.org"
) -> Any:
    """The cookies of a reader who signed in through the mailed link, for new contexts."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#email", email)
    before = len(community.mails())
    with page.expect_navigation(wait_until="load"):
        page.click("form.login button")
    mails = community.mails()
    assert len(mails) == before + 1 and mails[-1]["To"] == email, "no sign-in link was mailed"
    body = mails[-1].get_body(("plain",))
    assert body is not None
    (link,) = LINK.findall(body.get_content())
    page.goto(link)
    with page.expect_navigation(wait_until="load"):
        page.click("form.login-confirm button")
    assert page.url == f"{base}/me"
    state = context.storage_state()
    context.close()
    return state


def measure(page: Page) -> dict[str, float]:
    got: dict[str, float] = page.evaluate(
        """() => ({
          header: document.querySelector('header.site').getBoundingClientRect().height,
          scroll: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        })"""
    )
    return got


def test_header_is_one_row_and_the_same_height_signed_in_or_out(
    running: tuple[Community, str],
    browser: Browser,
) -> None:
    community, base = running
    state = signed_in_state(browser, community, base)
    heights: dict[tuple[str, int, str, bool], float] = {}
    for scheme in SCHEMES:
        for width in WIDTHS:
            for signed_in in (False, True):
                context = browser.new_context(
                    viewport={"width": width, "height": 900},
                    color_scheme=scheme,  # type: ignore[arg-type]
                    storage_state=state if signed_in else None,
                )
                context.add_init_script(WATCH_CSP)
                page = context.new_page()
                for path in PAGES:
                    page.goto(base + path)
                    where = f"{path} at {width} px, {scheme}, signed {'in' if signed_in else 'out'}"
                    assert page.locator("header .account-menu").count() == int(signed_in), where
                    got = measure(page)
                    assert got["scroll"] <= 0, f"horizontal scroll on {where}"
                    heights[(path, width, scheme, signed_in)] = got["header"]
                    if width >= 768:
                        assert got["header"] < 70, f"the header wraps on {where}: {got}"
                assert page.evaluate("window.__csp") == []
                context.close()
    for (path, width, scheme, signed_in), height in heights.items():
        if signed_in:
            out = heights[(path, width, scheme, False)]
            message = f"{path} at {width} px, {scheme}: {height} signed in, {out} out"
            assert abs(height - out) < 1, message  # the same, but for rounding of subpixels
    phone = heights[("/?date=2026-07-01", 375, "light", True)]
    assert phone < 140, phone  # three short rows: name, sections, search and account


def tab_through(page: Page, steps: int = 30) -> list[str]:
    """What keyboard focus reaches from the top of the page, in order."""
    reached = []
    for _ in range(steps):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate(
                """() => {
                  const el = document.activeElement;
                  if (el.id) return '#' + el.id;
                  if (el.matches('details.account-menu summary')) return 'account-menu';
                  return el.tagName.toLowerCase() + ':' + (el.textContent || '').trim();
                }"""
            )
        )
    return reached


def test_focus_reaches_search_then_the_account_menu(
    running: tuple[Community, str],
    browser: Browser,
) -> None:
    community, base = running
    state = signed_in_state(browser, community, base)
    for width in (375, 1366):
        context = browser.new_context(viewport={"width": width, "height": 800}, storage_state=state)
        page = context.new_page()
        page.goto(f"{base}/?date=2026-07-01")
        reached = tab_through(page)
        assert "#site-q" in reached and "account-menu" in reached, reached
        assert reached.index("#site-q") < reached.index("account-menu")
        assert not page.locator("details.account-menu").evaluate("d => d.open")
        page.goto(f"{base}/?date=2026-07-01")  # again, this time stopping at the menu
        while page.evaluate("!document.activeElement.matches('details.account-menu summary')"):
            page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # open the menu from the keyboard
        assert page.locator("details.account-menu").evaluate("d => d.open")
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.getAttribute('href')")
        assert focused == "/me"
        page.keyboard.press("Escape")  # closes, focus back on the menu's button
        assert not page.locator("details.account-menu").evaluate("d => d.open")
        assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
        context.close()
    anonymous = browser.new_page()
    anonymous.goto(f"{base}/?date=2026-07-01")
    reached = tab_through(anonymous)
    assert "#site-q" in reached and "a:Sign in" in reached
    assert reached.index("#site-q") < reached.index("a:Sign in")
    anonymous.close()


def test_account_menu_and_sign_out_work_without_javascript(
    running: tuple[Community, str],
    browser: Browser,
) -> None:
    community, base = running
    state = signed_in_state(browser, community, base)
    context = browser.new_context(java_script_enabled=False, storage_state=state)
    page = context.new_page()
    page.goto(f"{base}/papers/2607.00001")
    menu = page.locator("details.account-menu")
    assert not menu.evaluate("d => d.open")
    assert not page.locator("form.signout button").is_visible()
    page.click("details.account-menu summary")
    assert "ada@example.org" in page.locator("details.account-menu .who").inner_text()
    page.click("form.signout button")
    page.wait_for_url(f"{base}/")
    assert page.locator("header a.signin").inner_text() == "Sign in"
    context.close()


def test_sign_in_from_an_upvote_comes_back_with_it_pressed(
    running: tuple[Community, str],
    browser: Browser,
) -> None:
    community, base = running
    for attempt in range(2):  # the second time through, the vote still counts once
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        context.add_init_script(WATCH_CSP)
        page = context.new_page()
        page.goto(f"{base}/?date=2026-07-01")
        with page.expect_navigation(wait_until="load"):
            page.click("article.card[data-paper='2607.00002'] a.upvote-signin")
        assert "Sign in to upvote" in page.locator("main").inner_text()
        page.fill("#email", "ada@example.org")
        before = len(community.mails())
        with page.expect_navigation(wait_until="load"):
            page.click("form.login button")
        mails = community.mails()
        assert len(mails) == before + 1, "the sign-in link was not mailed"
        body = mails[-1].get_body(("plain",))
        assert body is not None
        (link,) = LINK.findall(body.get_content())
        page.goto(link)
        assert page.locator("form.login-confirm input[name=upvote]").is_checked()
        assert local_upvotes(community.store, "2607.00002") == attempt
        page.click("form.login-confirm button")
        page.wait_for_url(f"{base}/?date=2026-07-01")
        button = page.locator("article.card[data-paper='2607.00002'] form.upvote button")
        assert button.get_attribute("aria-pressed") == "true"
        assert button.locator(".count").inner_text() == "1"
        assert local_upvotes(community.store, "2607.00002") == 1
        assert page.evaluate("window.__csp") == []
        context.close()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_pressed_upvote_looks_pressed_and_forms_are_readable(
    running: tuple[Community, str],
    browser: Browser,
    scheme: str,
) -> None:
    community, base = running
    state = signed_in_state(browser, community, base)
    context = browser.new_context(
        color_scheme=scheme,  # type: ignore[arg-type]
        storage_state=state,
        timezone_id="Europe/Paris",
    )
    page = context.new_page()
    page.goto(f"{base}/?date=2026-07-01")
    pressed = page.locator("article.card[data-paper='2607.00001'] form.upvote button")
    other = page.locator("article.card[data-paper='2607.00002'] form.upvote button")
    with page.expect_response(lambda r: r.url.endswith("/upvote") and r.status == 200):
        pressed.click()
    page.wait_for_function(
        "document.querySelector(\"article.card[data-paper='2607.00001'] form.upvote button\")"
        ".getAttribute('aria-pressed') === 'true'"
    )
    assert other.get_attribute("aria-pressed") == "false"
    look = "b => getComputedStyle(b).backgroundColor"
    assert pressed.evaluate(look) != other.evaluate(look)
    for button in (pressed, other):
        assert button.evaluate(CONTRAST) >= 4.5
        assert button.locator(".count").evaluate(CONTRAST) >= 4.5
    page.goto(f"{base}/subscribe")
    assert page.locator("#timezone").input_value() == "Europe/Paris"  # the browser's zone
    for selector in ("#timezone", "#email", "#topics", "#categories label"):
        ratio = page.locator(selector).first.evaluate(CONTRAST)
        assert ratio >= 4.5, f"{selector} in {scheme}: {ratio:.2f}"
    page.goto(f"{base}/submit")
    assert page.locator("#paper").evaluate(CONTRAST) >= 4.5
    border = page.locator("#paper").evaluate("i => getComputedStyle(i).borderTopStyle")
    assert border == "solid"  # styled like the other fields
    context.close()


def test_time_zone_stays_the_server_default_without_javascript(
    running: tuple[Community, str],
    browser: Browser,
) -> None:
    _, base = running
    context = browser.new_context(java_script_enabled=False, timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.goto(f"{base}/subscribe")
    assert page.locator("#timezone").input_value() == "UTC"
    context.close()
