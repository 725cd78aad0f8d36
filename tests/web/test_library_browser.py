"""A reader's library in a real browser (Debian's chromium via Playwright) against a real
server on loopback holding the indexed bundled sample: save a paper from the day page,
find it in the library, and say "not interested" on For you. With JavaScript the buttons
change in place (fetch with the X-CSRF-Token header, under the site's CSP); without it
they are plain forms that come back to the same page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from paperwire.index.jobs import update_index
from paperwire.ingest import import_files, sample_path
from paperwire.store import open_store
from tests.auth.support import Community, make_community
from tests.fresh import isolated
from tests.served import Loopback
from tests.web import test_browser as browser_tests
from tests.web.test_browser import WATCH_CSP
from tests.web.test_header_browser import signed_in_state

DAY = "2026-07-01"
EMAIL = "ada@example.org"  # the reader signed_in_state signs in
browser = browser_tests.browser  # one headless chromium for the module


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Community, str]]:
    folder = tmp_path_factory.mktemp("library-browser")
    place = Loopback()
    with isolated(folder):
        store = open_store(f"sqlite:///{folder / 'paperwire.db'}")
        store.migrate()
        assert import_files(store, [sample_path()]).ok
        community = make_community(store, folder, base_url=place.base)
        update_index(store, community.settings, similar=False)
    with place.serve(community.app) as base:
        yield community, base
    store.close()


def reader_id(community: Community) -> int:
    user = community.store.user_by_email(EMAIL)
    assert user is not None
    return user.id


def pressed(page: Page, selector: str) -> None:
    page.wait_for_function(
        "s => document.querySelector(s).getAttribute('aria-pressed') === 'true'", arg=selector
    )


def test_save_from_the_day_then_not_interested_on_for_you(
    running: tuple[Community, str], browser: Browser
) -> None:
    community, base = running
    state = signed_in_state(browser, community, base)
    uid = reader_id(community)
    context = browser.new_context(storage_state=state, viewport={"width": 1366, "height": 900})
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # save the day's first paper: the button changes in place, no reload
    page.goto(f"{base}/?date={DAY}")
    first = page.locator("main article.card").first
    paper_id = first.get_attribute("data-paper")
    assert paper_id
    title = first.locator(".card-title a").inner_text()
    save = f"article.card[data-paper='{paper_id}'] form[action='/library/save'] button"
    assert page.locator(save).get_attribute("aria-pressed") == "false"
    with page.expect_response(lambda r: r.url.endswith("/library/save") and r.status == 200):
        page.locator(save).click()
    pressed(page, save)
    assert page.url == f"{base}/?date={DAY}"
    saved = community.store.find_list(uid, "Saved")
    assert saved is not None
    assert community.store.list_paper_ids(saved.id) == [paper_id]

    # the library shows the list and the paper in it
    page.goto(f"{base}/library")
    row = page.locator("ul.reader-lists li").first
    assert "Saved" in row.inner_text() and "1 paper" in row.inner_text()
    row.locator("a").first.click()
    page.wait_for_url(f"{base}/library/{saved.id}")
    cards = page.locator("main article.card")
    assert cards.count() == 1
    assert cards.first.get_attribute("data-paper") == paper_id
    assert cards.first.locator(".card-title a").inner_text() == title

    # For you: papers like the saved one; "not interested" in place, then gone for good
    page.goto(f"{base}/for-you")
    picks = page.locator("main article.card")
    assert picks.count() >= 5
    assert paper_id not in [picks.nth(i).get_attribute("data-paper") for i in range(5)]
    assert picks.first.locator(".reason").inner_text().strip()
    unwanted = picks.first.get_attribute("data-paper")
    hide = f"article.card[data-paper='{unwanted}'] form[action='/library/hide'] button"
    with page.expect_response(lambda r: r.url.endswith("/library/hide") and r.status == 200):
        page.locator(hide).click()
    pressed(page, hide)
    assert "is-hidden" in (picks.first.get_attribute("class") or "")
    assert page.url == f"{base}/for-you"
    assert community.store.library_entries(uid)[unwanted].is_hidden
    page.reload()
    shown = page.locator("main article.card")
    assert unwanted not in [shown.nth(i).get_attribute("data-paper") for i in range(shown.count())]

    assert page.evaluate("window.__csp || []") == []
    assert errors == []
    context.close()


def test_the_buttons_work_without_javascript(
    running: tuple[Community, str], browser: Browser
) -> None:
    community, base = running
    state = signed_in_state(browser, community, base)
    uid = reader_id(community)
    context = browser.new_context(storage_state=state, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base}/?date={DAY}")
    card = page.locator("main article.card").nth(1)
    paper_id = card.get_attribute("data-paper")
    assert paper_id
    hide = f"article.card[data-paper='{paper_id}'] form[action='/library/hide'] button"
    with page.expect_navigation(wait_until="load"):
        page.locator(hide).click()
    assert page.url == f"{base}/?date={DAY}"  # back where it was
    assert page.locator(hide).get_attribute("aria-pressed") == "true"
    assert community.store.library_entries(uid)[paper_id].is_hidden
    with page.expect_navigation(wait_until="load"):
        page.locator(hide).click()  # undo
    assert page.locator(hide).get_attribute("aria-pressed") == "false"
    assert paper_id not in community.store.library_entries(uid)
    context.close()
