"""The discussion under a paper in a real browser (Debian's chromium via Playwright)
against a real server on loopback: a reader comments (with a preview and typeset math),
replies and edits; another reports the reply; a curator hides it from the queue. No CSP
violation, no script error; axe-core finds no violation on the discussion and the queue,
light and dark."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page

from paperwire.store import open_store
from tests.auth.support import Community, make_community
from tests.fresh import isolated
from tests.served import Loopback
from tests.web import test_browser as browser_tests
from tests.web.test_axe_browser import violations
from tests.web.test_browser import WATCH_CSP
from tests.web.test_header_browser import signed_in_state

PAPER = "2607.00001"
browser = browser_tests.browser  # one headless chromium for the module


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Community, str]]:
    folder = tmp_path_factory.mktemp("discussion-browser")
    place = Loopback()
    with isolated(folder):
        store = open_store(f"sqlite:///{folder / 'paperwire.db'}")
        store.migrate()
        community = make_community(
            store, folder, base_url=place.base, comment_hold_days=0, login_limit_per_address=100
        )
    with place.serve(community.app) as base:
        yield community, base
    store.close()


def open_page(browser: Browser, state: Any, scheme: str = "light") -> tuple[Page, list[str]]:
    context = browser.new_context(
        storage_state=state,
        viewport={"width": 1366, "height": 900},
        color_scheme=scheme,  # type: ignore[arg-type]
    )
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return page, errors


def test_comment_reply_edit_report_and_hide(
    running: tuple[Community, str], browser: Browser
) -> None:
    community, base = running
    store = community.store
    for email, role in (("ada@example.org", "reader"), ("bo@example.org", "reader")):
        store.add_user(email, role=role, now=store_now())
    store.add_user("cy@example.org", role="curator", now=store_now())
    url = f"{base}/papers/{PAPER}"

    # ada comments: a preview first (typeset by KaTeX), then the post
    page, errors = open_page(browser, signed_in_state(browser, community, base, "ada@example.org"))
    page.goto(url)
    page.fill("#comment-new", "Is $\\sum_i x_i^2$ *bounded*?")
    form = page.locator("form.new-comment")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/comments/preview")) as got:
        form.locator("button.preview-button").click()
    assert got.value.status == 200
    page.wait_for_selector("form.new-comment .comment-preview .katex")
    assert form.locator(".comment-preview em").inner_text() == "bounded"
    with page.expect_navigation(wait_until="load"):
        form.locator("button[type=submit]").click()
    (top,) = store.paper_comments(PAPER)
    comment = page.locator(f"#comment-{top.id}")
    assert comment.locator(".comment-body .katex").count() == 1
    assert comment.locator(".comment-author").inner_text() == "ada"

    # ada replies in place (the script opens the form under the comment), then edits it
    before = page.url
    comment.locator("a.reply-link").click()
    page.wait_for_selector(f"#reply-{top.id}")
    assert page.url == before  # no navigation: the form opened in place
    page.fill(f"#reply-{top.id}", "Answering myself: yes.")
    with page.expect_navigation(wait_until="load"):
        comment.locator("form.reply-form button[type=submit]").click()
    reply = next(c for c in store.paper_comments(PAPER) if c.parent_id == top.id)
    shown = page.locator(f"#comment-{reply.id}")
    assert "level-1" in (shown.get_attribute("class") or "")
    with page.expect_navigation(wait_until="load"):
        shown.locator("a.edit-link").click()
    page.fill(f"#edit-{reply.id}", "Answering myself: yes, by Cauchy-Schwarz.")
    with page.expect_navigation(wait_until="load"):
        page.locator("form.edit-form button[type=submit]").click()
    shown = page.locator(f"#comment-{reply.id}")
    assert "Cauchy-Schwarz" in shown.locator(".comment-body").inner_text()
    assert shown.locator(".edited").inner_text() == "edited"
    assert page.evaluate("window.__csp || []") == []
    assert errors == []
    page.context.close()

    # bo reports the reply
    page, errors = open_page(browser, signed_in_state(browser, community, base, "bo@example.org"))
    page.goto(url)
    shown = page.locator(f"#comment-{reply.id}")
    with page.expect_navigation(wait_until="load"):
        shown.locator("a.report-link").click()
    page.fill(f"#report-{reply.id}", "off topic")
    with page.expect_navigation(wait_until="load"):
        page.locator("form.report-form button[type=submit]").click()
    assert [r.reason for _, found in store.open_reports() for r in found] == ["off topic"]
    assert errors == []
    page.context.close()

    # cy hides it from the queue
    page, errors = open_page(browser, signed_in_state(browser, community, base, "cy@example.org"))
    page.goto(f"{base}/discussion/queue")
    row = page.locator(f"#queued-{reply.id}")
    assert "off topic" in row.inner_text()
    with page.expect_navigation(wait_until="load"):
        row.locator("button[value=hide]").click()
    assert page.url == f"{base}/discussion/queue"
    assert page.locator(f"#queued-{reply.id}").count() == 1  # now under "Recently hidden"
    page.goto(url)
    assert page.locator(f"#comment-{reply.id}").count() == 0
    assert page.locator(f"#comment-{top.id}").count() == 1
    assert [e.action for e in store.moderation_log()] == ["hide"]
    assert page.evaluate("window.__csp || []") == []
    assert errors == []
    page.context.close()


def store_now() -> datetime:
    """An account's creation time: a month ago (no first-comment hold either way)."""
    return datetime.now(UTC) - timedelta(days=30)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_discussion_and_the_queue_have_no_axe_violations(
    running: tuple[Community, str], browser: Browser, scheme: str
) -> None:
    community, base = running
    if community.store.user_by_email("cy@example.org") is None:
        community.store.add_user("cy@example.org", role="curator", now=store_now())
    state = signed_in_state(browser, community, base, "cy@example.org")
    page, _ = open_page(browser, state, scheme)
    url = f"{base}/papers/{PAPER}"
    page.goto(url)
    if page.locator("li.comment").count() < 2:
        page.fill("#comment-new", "A comment with $x$ and a [link](https://example.org).")
        with page.expect_navigation(wait_until="load"):
            page.locator("form.new-comment button[type=submit]").click()
    first = page.locator("li.comment").first
    first.locator("a.reply-link").click()  # an open reply form too
    page.wait_for_selector("li.comment form.reply-form textarea")
    found = {}
    axe = Axe()
    if problems := violations(axe, page):
        found["paper"] = problems
    page.goto(f"{base}/discussion/queue")
    if problems := violations(axe, page):
        found["queue"] = problems
    anonymous, _ = open_page(browser, None, scheme)
    anonymous.goto(url)
    if problems := violations(axe, anonymous):
        found["signed out"] = problems
    assert found == {}
    anonymous.context.close()
    page.context.close()
