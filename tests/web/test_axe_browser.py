"""Accessibility: axe-core (bundled by axe-playwright-python) finds no violation, of any
impact, on the pages in a real browser (Debian's chromium) at 375, 768, 1366 and 1920 px,
light and dark, signed out and signed in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page

from paperwire import library
from paperwire.normalize import utcnow
from paperwire.store import Store
from tests.auth.support import Community
from tests.web import test_account_browser as account_browser
from tests.web import test_browser as browser_tests
from tests.web.conftest import MATH_ID
from tests.web.test_header_browser import signed_in_state

# A server on the sample site (topics, similar papers, rankings), a fresh community for
# the signed-in pages, one browser.
server = browser_tests.server
browser = browser_tests.browser
running = account_browser.running

WIDTHS = (375, 768, 1366, 1920)
SCHEMES = ("light", "dark")
# Each page, with what it must show so that axe looks at the page in that state.
PAGES = {
    "/?date=2026-07-01": ("nav.topics li a",),
    "/?date=2026-07-01&view=compact": ("ol.titles li a",),
    "/?week=2026-W27": ("main article",),
    "/trending": ("main article",),
    f"/papers/{MATH_ID}": ("section.similar li a", "main .katex"),
    "/search?q=video+question+answering": ("main .papers article",),
    "/subscribe": ("main form input",),
    "/login": ("main form input#email",),
    "/top-recent": ("main h1",),
}
SIGNED_IN_PAGES = {
    "/": ("main article form.lib button",),
    "/me": ("main h1",),
    "/submit": ("main form input",),
    "/subscribe": ("main form input",),
    "/for-you": ("main section.start", "main form input#follow-topic"),  # no signals yet
}
#: The library pages, once the reader has a library (``{saved}``, ``{shared}``: list ids).
LIBRARY_PAGES = {
    "/library": ("main ul.reader-lists a", "main form.import input[type=file]"),
    "/library/{saved}": ("main article .note-excerpt", "main form.lib-remove button"),
    "/library/{shared}": ("main p.notice.share", "main form[action$='/rename'] input"),
    "/library/hidden": ("main article.is-hidden",),
    "/lists/{shared}": ("main article",),
    "/for-you": ("main ul.interests li",),
    "/?date=2026-07-01&order=for-you": ("main p.notice", "main nav.order"),  # not ready
    "/papers/2607.00001": ("main section.your-library textarea#note", "main ul.in-lists a"),
    "/top-recent": ("main h1",),
}


def make_library(store: Store) -> dict[str, int]:
    """The signed-in reader's library: a note, a read mark, a shared list, a hidden
    paper, a followed author (again the same when called twice)."""
    user = store.user_by_email("ada@example.org")
    assert user is not None
    library.save(store, user.id, ["2607.00001", "2607.00002"])
    library.mark_read(store, user.id, ["2607.00001"])
    library.set_note(store, user.id, "2607.00001", "Compare with the 2016 paper, §4.")
    shared = store.ensure_list(user.id, "Reading group", now=utcnow())
    library.set_public(store, user.id, shared.id, True)
    library.save(store, user.id, ["hep-th/9901001"], list_name=shared.name)
    library.hide(store, user.id, ["2607.00002"])
    library.follow(store, user.id, "author", "Alan Turing")
    saved = store.find_list(user.id, "Saved")
    assert saved is not None
    return {"saved": saved.id, "shared": shared.id}


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


def violations(axe: Axe, page: Page) -> list[str]:
    """One line per violation: rule, impact, and the first elements it names."""
    found: list[dict[str, Any]] = axe.run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(n["target"]) for n in v["nodes"][:3])
        for v in found
    ]


def shows(page: Page, selectors: tuple[str, ...], path: str) -> None:
    for selector in selectors:
        assert page.locator(selector).count() >= 1, f"{path} shows no {selector}"


def pages_at(
    browser: Browser, width: int, scheme: str, storage_state: Any = None
) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        color_scheme=scheme,  # type: ignore[arg-type]
        storage_state=storage_state,
    )
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS)
def test_pages_have_no_violations(
    browser: Browser, server: str, axe: Axe, width: int, scheme: str
) -> None:
    found: dict[str, list[str]] = {}
    for page in pages_at(browser, width, scheme):
        for path in PAGES:
            response = page.goto(server + path, wait_until="load")
            assert response is not None and response.status == 200, path
            shows(page, PAGES[path], path)
            if problems := violations(axe, page):
                found[path] = problems
    assert found == {}


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS)
def test_signed_in_pages_have_no_violations(
    running: tuple[Community, str], browser: Browser, axe: Axe, width: int, scheme: str
) -> None:
    community, base = running
    state = signed_in_state(browser, community, base)
    found: dict[str, list[str]] = {}
    for page in pages_at(browser, width, scheme, state):
        for path in SIGNED_IN_PAGES:
            response = page.goto(base + path, wait_until="load")
            assert response is not None and response.status == 200, path
            assert page.locator("header details.account-menu").count() == 1, "not signed in"
            shows(page, SIGNED_IN_PAGES[path], path)
            if problems := violations(axe, page):
                found[path] = problems
        ids = make_library(community.store)
        for template, selectors in LIBRARY_PAGES.items():
            path = template.format(**ids)
            response = page.goto(base + path, wait_until="load")
            assert response is not None and response.status == 200, path
            shows(page, selectors, path)
            if problems := violations(axe, page):
                found[path] = problems
        # the account menu, opened
        page.locator("header details.account-menu summary").click()
        if problems := violations(axe, page):
            found["account menu"] = problems
    assert found == {}


def test_a_violation_is_reported(browser: Browser, server: str, axe: Axe) -> None:
    """The check can fail: an image without a name and a low-contrast line are found."""
    for page in pages_at(browser, 1366, "light"):
        page.goto(server + "/login", wait_until="load")
        # style set through the DOM: the page's policy refuses style attributes in markup
        page.evaluate(
            """() => {
                 const main = document.querySelector('main');
                 main.append(document.createElement('img'));
                 const faint = document.createElement('p');
                 faint.textContent = 'faint';
                 faint.style.color = '#ccc';
                 faint.style.background = '#fff';
                 main.append(faint);
               }"""
        )
        rules = {line.split(" ", 1)[0] for line in violations(axe, page)}
    assert {"image-alt", "color-contrast"} <= rules
