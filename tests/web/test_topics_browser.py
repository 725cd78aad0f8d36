"""The day page by topic in a real browser (Debian's chromium via Playwright): the topic
index jumps to its topics, the category menu waits for its button (one ArrowDown no
longer reloads the page), and category chips keep the day."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.web.conftest import LATEST
from tests.web.test_browser import Tab, browser, server, shots, tab  # noqa: F401

DAY = LATEST.isoformat()


def test_topic_index_jumps_to_its_topics(tab: Tab, shots: Path) -> None:  # noqa: F811
    """Each topic of the index jumps to its section, on the page of 30 cards where the
    topic starts: another page's link opens that page and scrolls to the section."""
    tab.open(f"/?date={DAY}")
    links = tab.page.locator("main nav.topics li a")
    assert links.count() >= 5
    tab.page.screenshot(path=shots / "desktop-day-topics.png")
    # the page where each topic starts, from the counts of the index
    starts, at = [], 0
    for n in range(links.count()):
        starts.append(at // 30 + 1)
        at += int(links.nth(n).locator(".n").inner_text())
    last = links.count() - 1
    assert starts[last] > 1  # a 300-paper day: its last topic starts past page 1
    # to the last topic (a later page), then back to the third (an earlier page or this one)
    for n in (last, 2):
        link = tab.page.locator("main nav.topics li a").nth(n)
        anchor = str(link.get_attribute("href")).partition("#")[2]
        link.click()
        tab.page.wait_for_function("(id) => location.hash === id", arg=f"#{anchor}")
        tab.settle()
        url = urlsplit(tab.path())
        found = parse_qs(url.query)
        assert url.fragment == anchor
        assert found.get("page", ["1"]) == [str(starts[n])]
        assert found["date"] == [DAY]
        section = tab.page.locator(f"main section#{anchor}")
        assert section.count() == 1
        assert "continued" not in section.locator(f"h2#{anchor}-h").inner_text()
        box = section.bounding_box()
        assert box is not None and 0 <= box["y"] < tab.page.viewport_size["height"] / 2
    tab.page.locator("main section.topic .to-topics a").first.click()
    tab.page.wait_for_function("() => location.hash === '#topics-h'")


def test_compact_view_and_keyboard(tab: Tab, shots: Path) -> None:  # noqa: F811
    """The titles list the whole day on one page, several times shorter than its cards,
    which come 30 a page."""
    tab.open(f"/?date={DAY}")
    count = int(tab.page.locator("main .day-count").inner_text().split()[0])
    cards, height = 0, 0
    for _ in range(count // 30 + 1):
        on_page = tab.page.locator("main article.card").count()
        assert 0 < on_page <= 30
        cards += on_page
        height += tab.page.evaluate("document.scrollingElement.scrollHeight")
        after = tab.page.locator("main nav.pager a[rel=next]")
        if not after.count():
            break
        tab.follow(after)
    assert cards == count
    tab.open(f"/?date={DAY}")
    tab.follow(tab.page.locator("nav.layout a", has_text="Titles"))
    assert tab.path() == f"/?date={DAY}&view=compact"
    assert tab.page.locator("main nav.pager").count() == 0
    assert tab.page.locator("main ol.titles li").count() == count
    compact = tab.page.evaluate("document.scrollingElement.scrollHeight")
    assert compact * 3 < height
    tab.page.screenshot(path=shots / "desktop-day-compact.png")
    tab.page.locator("main ol.titles a.title").first.focus()
    tab.page.keyboard.press("j")
    second = tab.page.locator("main ol.titles a.title").nth(1).get_attribute("href")
    assert tab.page.evaluate("document.activeElement.getAttribute('href')") == second


def test_the_category_menu_waits_for_its_button(tab: Tab) -> None:  # noqa: F811
    tab.open("/?date=2026-06-25")
    select = tab.page.locator("select#category")
    select.focus()
    tab.page.keyboard.press("ArrowDown")
    tab.page.keyboard.press("ArrowDown")
    assert tab.page.evaluate("document.activeElement.id") == "category"
    assert tab.path() == "/?date=2026-06-25"
    assert select.input_value() != ""
    chosen = select.input_value()
    button = tab.page.locator("form.filter button[type=submit]")
    assert button.is_visible()
    with tab.page.expect_navigation():
        button.click()
    tab.settle()
    assert tab.path() == f"/?date=2026-06-25&category={chosen}"


def test_category_chips_keep_the_day(tab: Tab) -> None:  # noqa: F811
    tab.open("/?date=2026-06-25")
    chip = tab.page.locator("main article.card a.cat").first
    category = chip.inner_text().strip()
    tab.follow(chip)
    assert tab.path() == f"/?date=2026-06-25&category={category}"
    assert tab.h1() == "Thu, Jun 25, 2026"
