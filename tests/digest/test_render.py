"""Writing the message: the 7-bit HTML part, and the same bytes for the same row."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

from paperwire.digest.compose import Composer, daily_period
from paperwire.digest.render import HTML_LINE, Renderer, html_7bit
from paperwire.digest.subscriptions import Links
from paperwire.store.base_digests import Preferences
from tests.digest.conftest import Site
from tests.digest.test_compose import LATEST, subscribe


def test_html_is_7bit_with_short_lines_and_character_references() -> None:
    html = "<p>α · “x”</p>\n<p>" + "word " * 600 + "</p>\n"
    data = html_7bit(html)
    assert data.isascii() and data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    assert b"&#945; &#183; &#8220;x&#8221;" in data
    lines = data.split(b"\r\n")
    assert max(len(line) for line in lines) <= HTML_LINE
    assert b" ".join(lines).split() == html.encode("ascii", "xmlcharrefreplace").split()
    unbroken = html_7bit("x" * 2500 + "\n")
    assert [len(line) for line in unbroken.split(b"\r\n")] == [HTML_LINE, HTML_LINE, 520, 0]


def test_a_message_renders_the_same_bytes_again_and_reads_back(site: Site) -> None:
    [ada] = subscribe(site, ("ada@example.org", Preferences("daily", [], ["diffusion"])))
    digest = Composer(site.store, site.settings, daily_period(LATEST)).compose(ada)
    assert digest is not None
    at = datetime(2026, 7, 2, 7, 0, 5, tzinfo=UTC)

    def render(renderer: Renderer) -> bytes:
        return renderer.render_message(
            subscriber_id=ada.id,
            email=ada.email,
            period=digest.period,
            groups=digest.groups,
            message_id="<daily-2026-07-01.1.abc@paperwire.test>",
            at=at,
        ).message

    links = Links.of(site.settings, site.store)
    first = render(Renderer(site.settings, links))
    warm = Renderer(site.settings, links)
    render(warm)
    assert render(warm) == first == render(Renderer(site.settings, links))
    message = message_from_bytes(first, policy=policy.default)
    assert b"\r\nDate: Thu, 02 Jul 2026 07:00:05 GMT\r\n" in first
    assert message["Subject"] == f"Papers of Jul 1, 2026: {digest.size} papers for you"
    html = message.get_body(("html",))
    text = message.get_body(("plain",))
    assert html is not None and text is not None
    assert html["Content-Transfer-Encoding"] == "7bit"
    content = html.get_content()
    assert content.count('class="card"') == digest.size
    assert "On &#8220;diffusion&#8221;" in content and "On “diffusion”" in text.get_content()
    for item in digest.groups[0].items:
        assert item.paper.id in content and item.paper.id in text.get_content()


def test_topics_can_still_be_searched_hybrid(site: Site) -> None:
    [ada] = subscribe(site, ("ada@example.org", Preferences("daily", [], ["diffusion"])))
    keyword = Composer(site.store, site.settings, daily_period(LATEST)).compose(ada)
    hybrid = Composer(
        site.store, site.settings, daily_period(LATEST), search_mode="hybrid"
    ).compose(ada)
    assert keyword is not None and hybrid is not None
    [kg] = [g for g in keyword.groups if g.heading.startswith("On")]
    [hg] = [g for g in hybrid.groups if g.heading.startswith("On")]
    assert kg.items and hg.items
    for item in kg.items:
        text = (item.paper.title + " " + item.paper.abstract).lower()
        assert "diffusion" in text
