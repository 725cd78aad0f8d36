"""LaTeX read as text where nothing typesets it (``<title>``, meta tags, feeds), kept for
KaTeX on the page; the paper page shows its id and links its authors; list abstracts open
to the full abstract without JS."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import feedparser
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient

from paperwire.text import plain_text
from paperwire.web.templates import preview, tex_text
from tests.web.conftest import HOSTILE_ID, LATEST, MATH_ID, MATH_TITLE, OLD_ID, Site

EMPH = "2606.16715"  # its abstract: "... exhibits an \emph{easy--hard--impossible} phase ..."
DASHES = "2606.19493"  # "Ricci flow for the Bures--Helstrom qubit metric"
COMMAND = re.compile(r"\\[A-Za-z]+")


def page(client: TestClient, path: str) -> BeautifulSoup:
    response = client.get(path)
    assert response.status_code == 200, path
    return BeautifulSoup(response.text, "html.parser")


def meta(soup: BeautifulSoup, name: str) -> str:
    found = soup.find("meta", attrs={"name": name})
    assert isinstance(found, Tag), name
    return str(found["content"])


def test_title_and_meta_tags_read_as_text(client: TestClient) -> None:
    soup = page(client, f"/papers/{DASHES}")
    assert soup.title is not None
    assert soup.title.get_text() == "Ricci flow for the Bures–Helstrom qubit metric · paperwire"
    assert meta(soup, "citation_title") == "Ricci flow for the Bures–Helstrom qubit metric"
    soup = page(client, f"/papers/{EMPH}")
    assert soup.title is not None and not COMMAND.search(soup.title.get_text())
    description = meta(soup, "description")
    assert description and not COMMAND.search(description) and "--" not in description
    abstract = soup.select_one("p.abstract-full")
    assert abstract is not None
    text = abstract.get_text()
    assert "easy–hard–impossible" in text and "\\emph" not in text
    # Math: text in <title>, kept as written on the page for KaTeX.
    soup = page(client, f"/papers/{MATH_ID}")
    assert soup.title is not None
    assert soup.title.get_text() == "Sorting in 𝒪(n log n) Comparisons · paperwire"
    assert meta(soup, "citation_title") == "Sorting in 𝒪(n log n) Comparisons"
    h1 = soup.select_one("main h1")
    assert h1 is not None and h1.get_text() == MATH_TITLE
    assert "$$\\int_0^1 f(x)\\,dx \\le 1.$$" in soup.select_one("p.abstract-full").get_text()  # type: ignore[union-attr]


def test_the_paper_page_shows_its_id_with_a_link_to_arxiv(client: TestClient) -> None:
    for paper_id in (MATH_ID, OLD_ID):
        soup = page(client, f"/papers/{paper_id}")
        ident = soup.select_one("dl.dates .ident")
        assert ident is not None
        code = ident.select_one("code.paper-id")
        assert code is not None and code.get_text() == paper_id
        link = ident.select_one("a")
        assert link is not None and link["href"] == f"https://arxiv.org/abs/{paper_id}"
        assert link.get_text() == f"arxiv.org/abs/{paper_id}"


def test_authors_are_links_to_a_search_of_their_names(client: TestClient) -> None:
    soup = page(client, f"/papers/{MATH_ID}")
    links = soup.select("header p.authors a")
    assert [a.get_text() for a in links] == ["Ada Lovelace", "Alan Mathison Turing"]
    for link in links:
        query = parse_qs(urlsplit(str(link["href"])).query)
        assert query == {"q": [f'"{link.get_text()}"'], "mode": ["keyword"]}
        results = page(client, str(link["href"]))
        found = [a["data-paper"] for a in results.select("main article.card")]
        assert found and found[0] == MATH_ID, found
    # A hostile name stays text, and its search is one query parameter.
    soup = page(client, f"/papers/{HOSTILE_ID}")
    [mallory, eve] = soup.select("header p.authors a")
    assert mallory.get_text() == "Mallory <img src=x onerror=alert(2)>"
    assert soup.select("header p.authors img") == []
    assert parse_qs(urlsplit(str(mallory["href"])).query)["q"] == [
        '"Mallory <img src=x onerror=alert(2)>"'
    ]
    assert eve.get_text() == "Eve Example"


def cards(soup: BeautifulSoup) -> list[Tag]:
    return soup.select("main article.card")


def test_list_abstracts_open_to_the_full_abstract(client: TestClient, site: Site) -> None:
    for path in (
        f"/?date={LATEST.isoformat()}",
        "/trending?window=week",
        "/search?q=video+question+answering",
    ):
        soup = page(client, path)
        found = cards(soup)
        assert found, path
        opened = 0
        for card in found:
            paper = site.store.get_paper(str(card["data-paper"]))
            assert paper is not None
            full = tex_text(paper.abstract)
            details = card.select_one(".abstract-more details")
            if preview(full) == full:
                assert details is None
                continue
            assert details is not None and "open" not in details.attrs, path
            summary = details.find("summary")
            assert isinstance(summary, Tag)
            more, less = summary.select_one(".more"), summary.select_one(".less")
            assert more is not None and more.get_text() == "Full abstract"
            assert less is not None and less.get_text() == "Shorter abstract"
            assert plain_text(paper.title) in summary.get_text()  # a name of its own
            shown = card.select_one(".abstract-preview")
            assert shown is not None and shown.get_text() == preview(full)
            inside = details.select_one("p.abstract")
            assert inside is not None and inside.get_text() == full
            opened += 1
        assert opened >= 5, path


def test_feeds_carry_readable_text(client: TestClient) -> None:
    response = client.get("/feeds/search.atom", params={"q": "easy hard impossible phase"})
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo
    [entry] = [e for e in feed.entries if e.id.endswith(EMPH)]
    assert "easy–hard–impossible" in entry.summary
    assert not COMMAND.search(entry.summary) and not COMMAND.search(entry.title)
    response = client.get("/feeds/search.rss", params={"q": "Bures Helstrom qubit metric"})
    feed = feedparser.parse(response.content)
    titles = [e.title for e in feed.entries]
    assert "Ricci flow for the Bures–Helstrom qubit metric" in titles


def test_list_titles_read_as_text_with_math_kept(client: TestClient, site: Site) -> None:
    """Cards and titles-only lists show a title's LaTeX as text ("Bures–Helstrom", not
    "Bures--Helstrom"), keeping its ``$...$`` for KaTeX, like the paper page."""
    paper = site.store.get_paper(DASHES)
    assert paper is not None
    day = paper.first_day.isoformat()  # type: ignore[union-attr]
    for view in ("compact", "cards"):
        found = None
        for number in range(1, 30):
            soup = page(client, f"/?date={day}&view={view}&page={number}")
            found = soup.select_one(f'[data-paper="{DASHES}"] a[href="/papers/{DASHES}"]')
            if found is not None or soup.select_one("nav.pager a[rel=next]") is None:
                break
        assert found is not None, view
        assert found.get_text() == "Ricci flow for the Bures–Helstrom qubit metric"
    search = page(client, f"/search?q={MATH_ID}+sorting&mode=keyword")
    title = search.select_one(f'article[data-paper="{MATH_ID}"] .card-title a')
    assert title is not None and title.get_text() == MATH_TITLE
