"""A digest card shows a stored link only when it is an http(s) address."""

from __future__ import annotations

import pytest

from paperwire.cite import pdf_url
from paperwire.digest.render import environment
from paperwire.models import Paper


def card(paper: Paper) -> str:
    context = {
        "paper": paper,
        "url": "https://paperwire.test/papers/x",
        "pdf": pdf_url(paper),
        "authors": "",
        "reason": "",
        "summary": "",
    }
    return environment().get_template("_card.html").render(context)


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "JavaScript:alert(1)", "java\tscript:alert(1)", "data:,x"]
)
def test_unsafe_stored_links_are_left_out(link: str) -> None:
    html = card(Paper(id="doi:10.1000/x", title="t", pdf_url=link, github_repo=link))
    assert "script:" not in html.lower() and "data:" not in html
    assert "PDF" not in html and "Code" not in html


def test_http_links_are_shown() -> None:
    paper = Paper(
        id="doi:10.1000/x",
        title="t",
        pdf_url="https://example.org/x.pdf",
        github_repo="https://github.com/o/r",
    )
    html = card(paper)
    assert 'href="https://example.org/x.pdf"' in html
    assert 'href="https://github.com/o/r"' in html
