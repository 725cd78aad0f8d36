"""In a real browser (Debian's chromium via Playwright): a card's abstract opens to the full
abstract with or without JS, by mouse and by keyboard; the paper page's id is selected
whole by one click; an author's link finds their papers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.web.conftest import LATEST, MATH_ID
from tests.web.test_browser import Tab, browser, new_tab, server, shots, tab  # noqa: F401

DAY = f"/?date={LATEST.isoformat()}"


@pytest.fixture
def no_js(browser: Browser, server: str) -> Iterator[Tab]:  # noqa: F811
    yield from new_tab(
        browser, server, viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )


def check_toggle(tab: Tab) -> None:  # noqa: F811
    card = tab.page.locator("main article.card:has(.abstract-more)").first
    preview = card.locator(".abstract-preview")
    full = card.locator(".abstract-more details p.abstract")
    summary = card.locator(".abstract-more summary")
    assert preview.is_visible() and not full.is_visible()
    assert summary.locator(".more").is_visible() and not summary.locator(".less").is_visible()
    summary.click()
    assert full.is_visible() and not preview.is_visible()
    assert summary.locator(".less").is_visible() and not summary.locator(".more").is_visible()
    assert card.locator(".abstract-more details").get_attribute("open") is not None
    text = " ".join(full.inner_text().split())
    assert len(text) > len(" ".join(preview.text_content().split())) - 2  # type: ignore[union-attr]
    # The keyboard closes and opens it again.
    summary.focus()
    tab.page.keyboard.press("Enter")
    assert not full.is_visible() and preview.is_visible()
    tab.page.keyboard.press("Space")
    assert full.is_visible()


def test_a_card_abstract_opens_and_closes(tab: Tab, shots: Path) -> None:  # noqa: F811
    tab.open(DAY)
    check_toggle(tab)
    tab.page.locator("main article.card:has(.abstract-more)").first.screenshot(
        path=shots / "card-abstract-open.png"
    )


def test_a_card_abstract_opens_without_javascript(no_js: Tab) -> None:
    no_js.open(DAY)
    assert no_js.page.evaluate("document.documentElement.classList.contains('js')") is False
    check_toggle(no_js)


def test_the_id_is_selected_whole_and_authors_find_their_papers(
    tab: Tab,  # noqa: F811
    shots: Path,  # noqa: F811
) -> None:
    tab.open(f"/papers/{MATH_ID}")
    tab.page.locator("article.paper > header").screenshot(path=shots / "paper-header.png")
    tab.page.locator("code.paper-id").click()
    assert tab.page.evaluate("window.getSelection().toString()") == MATH_ID
    link = tab.page.locator("dl.dates .ident a")
    assert link.get_attribute("href") == f"https://arxiv.org/abs/{MATH_ID}"
    tab.follow(tab.page.locator("header p.authors a", has_text="Ada Lovelace"))
    assert tab.path().startswith("/search?q=%22Ada+Lovelace%22")
    first = tab.page.locator("main article.card").first
    assert first.get_attribute("data-paper") == MATH_ID
