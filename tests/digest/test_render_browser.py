"""The HTML part of a real digest in a real browser (Debian's chromium via Playwright), in
light and dark mode; the screenshots land in ``artifacts/`` at the repository root."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Route, sync_playwright

from paperwire.digest.compose import Composer, daily_period
from paperwire.digest.render import Renderer
from paperwire.digest.subscriptions import Links
from paperwire.normalize import utcnow
from paperwire.store.base_digests import Preferences
from tests.digest.conftest import Site
from tests.digest.test_compose import LATEST

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def test_the_digest_reads_well_in_light_and_dark_mode(site: Site) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (scripts/install-system)")
    settings = site.settings
    [sub] = [
        site.store.confirm_subscription(
            "ada@example.org", Preferences("daily", [], ["diffusion", "speech"]), now=utcnow()
        )
    ]
    digest = Composer(site.store, settings, daily_period(LATEST)).compose(sub)
    assert digest is not None
    message = Renderer(settings, Links.of(settings, site.store)).render(digest).parse()
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    ARTIFACTS.mkdir(exist_ok=True)
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for scheme, name in (("light", "digest.png"), ("dark", "digest-dark.png")):
                page = browser.new_page(viewport={"width": 420, "height": 900}, color_scheme=scheme)

                def record(route: Route) -> None:  # nothing may be fetched: no remote content
                    requests.append(route.request.url)
                    route.abort()

                page.route("**/*", record)
                page.set_content(html, wait_until="load")
                background = page.evaluate(
                    "getComputedStyle(document.querySelector('.wrap')).backgroundColor"
                )
                red, green, blue = (int(v) for v in background[4:-1].split(",")[:3])
                if scheme == "dark":
                    assert red + green + blue < 120, background
                else:
                    assert red + green + blue > 600, background
                width = page.evaluate("document.scrollingElement.scrollWidth")
                assert width <= 420  # no sideways scrolling on a phone
                titles = page.locator(".title a").all_inner_texts()
                assert len(titles) == digest.size
                page.screenshot(path=ARTIFACTS / name, full_page=True)
                page.close()
        finally:
            browser.close()
    assert requests == []
    assert (ARTIFACTS / "digest.png").stat().st_size > 10_000
