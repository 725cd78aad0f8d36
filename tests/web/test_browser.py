"""The user paths in a real browser: Debian's chromium driven by Playwright, against a real
server on loopback. Screenshots land in the session's tmp dir under ``screenshots/``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Dialog,
    Locator,
    Page,
    Response,
    sync_playwright,
)

from tests.served import Loopback
from tests.web.conftest import HOSTILE_ABSTRACT, HOSTILE_ID, MATH_ID, Site

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PHONE = {"width": 375, "height": 667}
#: Records CSP violations the page reports (an init script runs regardless of the CSP).
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's chromium, headless, until the block ends (the test fails without it)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (scripts/install-system)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def server(site: Site) -> Iterator[str]:
    with Loopback().serve(site.app) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.getbasetemp() / "screenshots"
    folder.mkdir(exist_ok=True)
    return folder


@dataclass
class Watch:
    """Everything that went wrong in a page: console errors, page errors, CSP violations,
    failed responses and dialogs (an alert would mean injected script ran)."""

    problems: list[str] = field(default_factory=list)
    expected: set[str] = field(default_factory=set)  # documents opened for their error status

    def attach(self, page: Page) -> None:
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("dialog", self.dialog)
        page.on("response", self.response)

    def console(self, message: ConsoleMessage) -> None:
        if message.location.get("url") in self.expected:
            return
        if message.type == "error":
            self.problems.append(f"console {message.type}: {message.text}")

    def dialog(self, dialog: Dialog) -> None:
        self.problems.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    def response(self, response: Response) -> None:
        if response.status >= 400 and response.url not in self.expected:
            self.problems.append(f"{response.status} {response.url}")

    def check(self, page: Page) -> None:
        violations = page.evaluate("window.__csp || []")
        assert not violations, violations
        assert not self.problems, self.problems


@dataclass
class Tab:
    page: Page
    base: str
    watch: Watch

    def open(self, path: str, status: int = 200) -> None:
        if status != 200:
            self.watch.expected.add(self.base + path)
        response = self.page.goto(self.base + path, wait_until="load")
        assert response is not None and response.status == status, path
        self.settle()

    def settle(self) -> None:
        self.page.wait_for_load_state("load")
        self.watch.check(self.page)

    def follow(self, target: Locator | str, key: str | None = None) -> None:
        """Click ``target`` (or press ``key`` in it) and wait for the page it opens."""
        locator = self.page.locator(target) if isinstance(target, str) else target
        with self.page.expect_navigation(wait_until="load"):
            if key is None:
                locator.click()
            else:
                locator.press(key)
        self.settle()

    def path(self) -> str:
        return self.page.url.removeprefix(self.base)

    def h1(self) -> str:
        return self.page.locator("main h1").inner_text().strip()


def new_tab(browser: Browser, server: str, **options: object) -> Iterator[Tab]:
    context = browser.new_context(**options)  # type: ignore[arg-type]
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    watch = Watch()
    watch.attach(page)
    yield Tab(page, server, watch)
    watch.check(page)
    context.close()


@pytest.fixture
def tab(browser: Browser, server: str) -> Iterator[Tab]:
    yield from new_tab(browser, server, viewport={"width": 1280, "height": 900})


@pytest.fixture
def phone(browser: Browser, server: str) -> Iterator[Tab]:
    yield from new_tab(
        browser, server, viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )


def open_page_with(tab: Tab, path: str, paper_id: str) -> None:
    """Open ``path`` and follow its pager to the page that shows ``paper_id``'s card."""
    tab.open(path)
    card = tab.page.locator(f'main article[data-paper="{paper_id}"]')
    for _ in range(20):
        if card.count():
            return
        tab.follow(tab.page.locator("nav.pager a[rel=next]"))
    raise AssertionError(f"no card of {paper_id} on the pages of {path}")


def test_days_then_a_paper(tab: Tab, shots: Path) -> None:
    tab.open("/")
    assert tab.h1() == "Wed, Jul 1, 2026"
    # the day's 302 papers by topic, 30 cards a page, and the pager to the next
    assert tab.page.locator("main .day-count").inner_text() == "302 papers"
    assert tab.page.locator("main nav.topics li").count() >= 5
    assert tab.page.locator("main section.topic article.card").count() == 30
    assert tab.page.locator("nav.pager a[rel=next]").get_attribute("href") == (
        "/?date=2026-07-01&page=2"
    )
    tab.page.screenshot(path=shots / "desktop-home.png")
    tab.follow(tab.page.locator("nav.daynav a[rel=prev]"))
    assert tab.path() == "/?date=2026-06-30" and tab.h1() == "Tue, Jun 30, 2026"
    tab.follow(tab.page.locator("nav.daynav a[rel=next]"))
    assert tab.path() == "/?date=2026-07-01" and tab.h1() == "Wed, Jul 1, 2026"
    tab.follow(tab.page.locator("nav.views a", has_text="Week"))
    assert tab.path() == "/?week=2026-W27"
    tab.follow(tab.page.locator(f'main article[data-paper="{MATH_ID}"] .card-title a').first)
    assert tab.path() == f"/papers/{MATH_ID}"
    assert tab.page.locator("main h1 .katex").count() == 1


def test_search_then_a_similar_paper(tab: Tab, shots: Path) -> None:
    tab.open("/")
    tab.page.fill("#site-q", "video question answering")
    tab.follow("#site-q", key="Enter")
    assert tab.path() == "/search?q=video+question+answering"
    results = tab.page.locator("main article.card")
    assert results.count() == 20
    tab.follow(tab.page.locator('article[data-paper="2512.10359"] .card-title a'))
    assert tab.path() == "/papers/2512.10359"
    similar = tab.page.locator("section.similar li a")
    assert similar.count() >= 1
    title = similar.first.inner_text().strip()
    href = similar.first.get_attribute("href")
    tab.follow(similar.first)
    assert tab.path() == href and href != "/papers/2512.10359"
    assert " ".join(tab.h1().split()) == " ".join(title.split())
    tab.page.screenshot(path=shots / "desktop-paper.png", full_page=True)


def test_math_renders_with_katex(tab: Tab) -> None:
    tab.open(f"/papers/{MATH_ID}")
    abstract = tab.page.locator(".abstract-full")
    assert abstract.locator(".katex").count() == 5  # four inline formulas and one display
    assert abstract.locator(".katex-display").count() == 1
    assert tab.page.locator(".katex-error").count() == 0
    assert "$" not in abstract.locator(":scope > :not(.katex)").all_inner_texts()
    open_page_with(tab, "/", MATH_ID)
    card = tab.page.locator(f'article[data-paper="{MATH_ID}"]')
    assert card.locator(".card-title .katex").count() == 1
    assert card.locator(".abstract .katex").count() >= 2


def test_hostile_text_stays_text(tab: Tab) -> None:
    tab.open(f"/papers/{HOSTILE_ID}")
    assert tab.page.locator(".abstract-full").inner_text() == HOSTILE_ABSTRACT
    assert "<script>" in tab.h1()
    tab.open(f"/search?q={HOSTILE_ID}+%3Cscript%3Ealert(1)%3C/script%3E")
    assert tab.page.locator("#q").input_value() == f"{HOSTILE_ID} <script>alert(1)</script>"


def test_keyboard(tab: Tab) -> None:
    tab.open("/")
    tab.page.keyboard.press("Tab")
    assert tab.page.evaluate("document.activeElement.className") == "skip"
    tab.page.keyboard.press("Enter")
    tab.page.keyboard.press("j")
    tab.page.keyboard.press("j")
    focused = tab.page.evaluate("document.activeElement.getAttribute('href')")
    second = tab.page.locator("main .card-title a").nth(1).get_attribute("href")
    assert focused == second
    tab.page.keyboard.press("k")
    first = tab.page.locator("main .card-title a").first.get_attribute("href")
    with tab.page.expect_navigation():
        tab.page.keyboard.press("Enter")
    tab.settle()
    assert tab.path() == first
    tab.page.keyboard.press("/")
    assert tab.page.evaluate("document.activeElement.id") == "site-q"


def test_phone_has_no_horizontal_scroll(phone: Tab, shots: Path) -> None:
    pages = [
        "/",
        "/?week=2026-W27",
        "/trending",
        f"/papers/{MATH_ID}",
        f"/papers/{HOSTILE_ID}",
        "/papers/2512.10359",
        "/search?q=diffusion&category=cs.CV&has_code=1",
        "/subscribe",
        "/?date=2026-02-30",
    ]
    for path in pages:
        phone.open(path, 400 if "02-30" in path else 200)
        width = phone.page.evaluate("document.scrollingElement.scrollWidth")
        inner = phone.page.evaluate("window.innerWidth")
        assert inner == PHONE["width"] and width <= inner, (path, width)
        name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
        phone.page.screenshot(path=shots / f"phone-{name}.png")


def test_dark_mode(browser: Browser, server: str, shots: Path) -> None:
    for tab in new_tab(browser, server, viewport=PHONE, color_scheme="dark"):
        tab.open(f"/papers/{MATH_ID}")
        background = tab.page.evaluate("getComputedStyle(document.body).backgroundColor")
        red, green, blue = (int(v) for v in re.findall(r"\d+", background)[:3])
        assert red + green + blue < 120, background
        tab.page.screenshot(path=shots / "phone-dark-paper.png", full_page=True)


def test_readable_without_javascript(browser: Browser, server: str) -> None:
    for tab in new_tab(browser, server, java_script_enabled=False):
        tab.open("/")
        assert tab.page.locator("main article.card").count() == 30
        tab.follow(tab.page.locator("nav.pager a[rel=next]"))  # pages work without script
        assert tab.path() == "/?date=2026-07-01&page=2"
        assert tab.page.locator("main article.card").count() == 30
        tab.follow(tab.page.locator("nav.layout a", has_text="Titles"))  # the whole day
        assert tab.path() == "/?date=2026-07-01&view=compact"
        assert tab.page.locator("main ol.titles li").count() == 302
        tab.open("/")
        assert tab.page.locator(".filter button").is_visible()
        assert tab.page.locator(".katex").count() == 0
        tab.follow(tab.page.locator("nav.daynav a[rel=prev]"))
        assert tab.path() == "/?date=2026-06-30"
