"""A comment's Markdown as HTML (``paperwire.comment_text``): what readers write shows
as they meant it, and nothing they write runs, loads or links anywhere it should not."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from paperwire.comment_text import ATTRIBUTES, LINK_REL, TAGS, render_comment

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[vb](vbscript:msgbox(1))",
    "<svg onload=alert(1)><circle r=5/></svg>",
    "<math><mi xlink:href='javascript:alert(1)'>x</mi></math>",
    '<iframe src="https://evil.example"></iframe>',
    '<p style="background:url(https://evil.example/x.png)" onclick="alert(1)">styled</p>',
    "![tracker](https://evil.example/pixel.png)",
    '<object data="https://evil.example/x.swf"></object>',
    "<style>body{display:none}</style>",
    "<form action='https://evil.example'><input name=x></form>",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "$<script>alert(1)</script>$",
    "$$</span><script>alert(1)</script>$$",
    '[x](https://example.org "a" onmouseover="alert(1)")',
    "<!-- <script>alert(1)</script> -->",
    "\x00<scr\x00ipt>alert(1)</script>\x1b[31m",
]


def inert(html: str) -> None:
    """Only allowed tags and attributes; every link http(s)/mailto with the rel."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(True):
        assert tag.name in TAGS, tag.name
        for name in tag.attrs:
            allowed = ATTRIBUTES.get(tag.name, set()) | {"class", "rel"}
            assert name in allowed, (tag.name, name)
        if tag.name == "a":
            assert " ".join(tag.get("rel") or []) == LINK_REL
            href = tag.get("href")
            assert href is None or re.match(r"(https?|mailto):", str(href)), href
    lowered = html.lower()
    for bad in ("<script", "<img", "<svg", "<iframe", "<style", "<object", "<form", "onerror="):
        assert bad not in lowered.replace("&lt;", "<") or bad in soup.get_text().lower()
    assert "javascript:" not in "".join(str(a.get("href", "")) for a in soup.find_all("a"))


@pytest.mark.parametrize("markdown", HOSTILE)
def test_hostile_markdown_is_inert(markdown: str) -> None:
    html = render_comment(markdown)
    inert(html)
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.find_all(["script", "img", "svg", "iframe", "style", "object", "form"])


def test_markup_written_as_html_is_shown_as_text() -> None:
    html = render_comment("<b>bold?</b> <script>alert(1)</script>")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert BeautifulSoup(html, "html.parser").get_text() == "<b>bold?</b> <script>alert(1)</script>"


def test_markdown_math_code_and_links_render() -> None:
    html = render_comment(
        "A *result*: $E = mc^2 < \\infty$, and\n\n$$\\sum_i x_i$$\n\n"
        "```\nprint('<hi>')\n```\n\nSee [the code](https://github.com/x/y) or "
        "<https://example.org>, ~~not this~~, `a < b`."
    )
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("em").get_text() == "result"
    assert soup.find("span", class_="math").get_text() == "E = mc^2 < \\infty"
    assert soup.find("div", class_="display").get_text() == "\\sum_i x_i"
    assert soup.find("pre").get_text() == "print('<hi>')\n"
    links = soup.find_all("a")
    assert [a["href"] for a in links] == ["https://github.com/x/y", "https://example.org"]
    assert all(a["rel"] == ["nofollow", "ugc", "noopener"] for a in links)
    assert soup.find("s").get_text() == "not this"


def test_dollars_that_are_prices_stay_text() -> None:
    assert render_comment("It costs $5 and $10.") == "<p>It costs $5 and $10.</p>"


def test_relative_and_other_scheme_links_lose_their_address() -> None:
    soup = BeautifulSoup(
        render_comment("[a](/logout) [b](ftp://x.org/f) [c](//evil.example)"), "html.parser"
    )
    assert [a.get("href") for a in soup.find_all("a")] == [None, None, None]


def test_headings_are_paragraphs_and_images_are_links() -> None:
    assert render_comment("# Big") == "<p># Big</p>"
    soup = BeautifulSoup(render_comment("![alt](https://example.org/p.png)"), "html.parser")
    assert soup.find("img") is None
    assert soup.find("a")["href"] == "https://example.org/p.png"


def test_control_characters_are_removed() -> None:
    assert render_comment("a\x00b\x07c\x1b[0m\u200bd\x85e") == "<p>abc[0m\u200bde</p>"


def test_a_thousand_nested_quotes_and_a_megabyte_render_quickly_and_inert() -> None:
    deep = render_comment("> " * 1000 + "deep")
    inert(deep)
    assert deep.count("<blockquote>") <= 20
    huge = render_comment("<script>" + "x" * 1_000_000)
    inert(huge)
    assert len(huge) < 1_100_000
    lists = render_comment("* " * 5000 + "x")
    inert(lists)
