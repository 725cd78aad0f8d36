"""Every page through the test client, its HTML parsed."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient
from starlette.exceptions import HTTPException

from paperwire.config import Settings
from paperwire.rank.jobs import run_rank
from paperwire.store import open_store
from paperwire.web.app import create_app
from paperwire.web.pages.common import http_error_page
from paperwire.web.templates import preview
from tests.web.conftest import (
    HOSTILE_ABSTRACT,
    HOSTILE_ID,
    LATEST,
    MATH_ABSTRACT,
    MATH_ID,
    MATH_TITLE,
    OLD_ID,
    Site,
    extra_papers,
)

PAGES = [
    "/",
    "/?date=2026-06-30",
    "/?week=2026-W27",
    "/?month=2026-06",
    "/?category=cs.CL",
    "/?page=2",
    "/trending",
    "/trending?window=day",
    "/trending?window=month",
    f"/papers/{MATH_ID}",
    f"/papers/{HOSTILE_ID}",
    f"/papers/{OLD_ID}",
    "/search",
    "/search?q=video+question+answering",
    "/subscribe",
]
ERROR_PAGES = ["/?date=2026-02-30", "/papers/9999.99999", "/trending?window=year"]


def soup_of(client: TestClient, url: str, status: int = 200) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    assert response.headers["content-type"].startswith("text/html")
    return BeautifulSoup(response.text, "html.parser")


def text_of(node: Tag | None) -> str:
    assert node is not None
    return " ".join(node.get_text(" ").split())


def cards(soup: BeautifulSoup) -> list[Tag]:
    return soup.select("main article.card")


def all_pages(client: TestClient, url: str) -> list[BeautifulSoup]:
    """``url`` and every page after it, following the pager."""
    pages = [soup_of(client, url)]
    while (found := link(pages[-1], "next", "nav.pager")) is not None:
        pages.append(soup_of(client, found))
        assert len(pages) < 50
    return pages


def link(soup: BeautifulSoup, rel: str, within: str = "nav.daynav") -> str | None:
    found = soup.select_one(f"{within} a[rel={rel}]")
    return str(found["href"]) if found else None


def query(href: str | None) -> dict[str, list[str]]:
    assert href is not None
    return parse_qs(urlsplit(href).query)


# -- every page ------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_page_structure(client: TestClient, url: str) -> None:
    soup = soup_of(client, url)
    html = soup.find("html")
    assert isinstance(html, Tag) and html["lang"] == "en"
    assert soup.select_one('meta[name="viewport"]') is not None
    assert text_of(soup.title).endswith("paperwire")
    assert len(soup.select("main h1")) == 1
    nav = [a["href"] for a in soup.select("header nav a")]
    assert nav == ["/", "/trending", "/top-recent", "/search", "/subscribe"]
    skip = soup.select_one("a.skip")
    assert skip is not None and skip["href"] == "#main" and soup.select_one("main#main")


@pytest.mark.parametrize("url", PAGES + ERROR_PAGES)
def test_csp_and_scripts(client: TestClient, url: str) -> None:
    response = client.get(url)
    csp = response.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp)
    assert nonce is not None and "style-src 'self'" in csp
    soup = BeautifulSoup(response.text, "html.parser")
    scripts = soup.find_all("script")
    assert scripts, "every page loads paperwire.js"
    for script in scripts:
        assert script.get("nonce") == nonce[1], script
        assert str(script.get("src", "")).startswith("/static/"), script
        assert not script.get_text().strip(), "no inline script"
    assert soup.find("style") is None
    for tag in soup.find_all(True):
        assert "style" not in tag.attrs, tag.name
        assert not [a for a in tag.attrs if a.startswith("on")], tag.name


def test_static_assets(client: TestClient) -> None:
    soup = soup_of(client, f"/papers/{MATH_ID}")
    assets = [str(s["src"]) for s in soup.find_all("script")]
    assets += [str(s["href"]) for s in soup.select("link[rel=stylesheet], link[rel=icon]")]
    assert "/static/katex/katex.min.js" in assets
    assert "/static/katex/contrib/auto-render.min.js" in assets
    for url in assets:
        assert client.get(url).status_code == 200, url
    css = client.get("/static/katex/katex.min.css").text
    fonts = set(re.findall(r"url\((fonts/[^)]+\.woff2)\)", css))
    assert len(fonts) >= 10
    for font in fonts:
        assert client.get(f"/static/katex/{font}").status_code == 200, font
    assert "MIT License" in client.get("/static/katex/LICENSE").text


def test_labels_for_every_control(client: TestClient) -> None:
    for url in ["/", "/search", "/search?q=graph", "/subscribe"]:
        soup = soup_of(client, url)
        for control in soup.select("input:not([type=hidden]), select, textarea"):
            labelled = control.find_parent("label") or (
                control.get("id") and soup.select_one(f'label[for="{control["id"]}"]')
            )
            assert labelled, (url, control)


# -- the daily listing ----------------------------------------------------------------


def test_home_shows_the_latest_day(client: TestClient) -> None:
    pages = all_pages(client, "/")
    soup = pages[0]
    assert text_of(soup.h1) == LATEST.strftime("%a, %b %-d, %Y")
    # the whole day, under its topics, 30 cards a page (test_topics_page.py)
    assert [len(cards(page)) for page in pages] == [30] * 10 + [2]
    found = [card for page in pages for card in cards(page)]
    assert len({c["data-paper"] for c in found}) == 302
    (first,) = [c for c in found if c["data-paper"] == MATH_ID]
    title = first.select_one(".card-title a")
    assert title is not None and title["href"] == f"/papers/{MATH_ID}"
    assert text_of(title) == MATH_TITLE
    assert text_of(first.select_one(".authors")) == "Ada Lovelace, Alan Mathison Turing"
    assert text_of(first.select_one(".abstract")).startswith("We prove that $E = mc^2$")
    assert text_of(first.select_one(".upvotes")).startswith("▲ 42")
    code = first.select_one(".code a")
    assert code is not None and code["href"] == "https://github.com/example/fast-sort"
    assert "1.2k" in text_of(first.select_one(".code .stars"))
    assert [text_of(a) for a in first.select("a.cat")] == ["cs.LG", "cs.DS"]
    for card in found:
        href = card.select_one(".card-title a")
        assert href is not None and str(href["href"]).startswith("/papers/")
        assert card.select("a.cat")
    assert link(soup, "next") is None
    assert query(link(soup, "prev")) == {"date": ["2026-06-30"]}
    assert query(link(soup, "next", "nav.pager")) == {"date": [LATEST.isoformat()], "page": ["2"]}
    assert link(pages[-1], "next", "nav.pager") is None


def test_day_navigation(client: TestClient) -> None:
    soup = soup_of(client, "/?date=2026-06-30")
    assert text_of(soup.h1) == "Tue, Jun 30, 2026"
    assert query(link(soup, "prev")) == {"date": ["2026-06-29"]}
    assert query(link(soup, "next")) == {"date": ["2026-07-01"]}
    ids = {c["data-paper"] for page in all_pages(client, "/?date=2026-06-30") for c in cards(page)}
    assert len(ids) == 530 and MATH_ID not in ids


def test_a_day_without_papers_links_to_the_nearest_days(client: TestClient) -> None:
    soup = soup_of(client, "/?date=2026-06-10")
    assert not cards(soup)
    assert "No papers" in text_of(soup.select_one("main .empty"))
    # 2603.04592 was listed on Fri Mar 6 and again on Sat 7 and Sun 8: its day is Mar 6
    assert query(link(soup, "prev")) == {"date": ["2026-03-06"]}
    assert query(link(soup, "next")) == {"date": ["2026-06-16"]}


def test_week_view(client: TestClient) -> None:
    soup = soup_of(client, "/?week=2026-W27")
    assert text_of(soup.h1) == "Week 27, 2026 (Jun 29 – Jul 5)"
    assert query(link(soup, "prev")) == {"week": ["2026-W26"]}
    assert link(soup, "next") is None
    current = soup.select_one('nav.views a[aria-current="page"]')
    assert current is not None and text_of(current) == "Week"
    views = {text_of(a): query(str(a["href"])) for a in soup.select("nav.views a")}
    assert views["Day"] == {"date": ["2026-07-01"]}
    assert views["Month"] == {"month": ["2026-07"]}
    assert len(cards(soup)) == 30
    later = cards(soup_of(client, "/?week=2026-W27&page=11"))  # past Jul 1's 300 papers
    days = {str(c.select_one("time")["datetime"]) for c in later}  # type: ignore[index]
    assert "2026-06-30" in days


def test_month_view(client: TestClient) -> None:
    soup = soup_of(client, "/?month=2026-06")
    assert text_of(soup.h1) == "June 2026"
    assert query(link(soup, "prev")) == {"month": ["2026-03"]}
    assert query(link(soup, "next")) == {"month": ["2026-07"]}
    views = {text_of(a): query(str(a["href"])) for a in soup.select("nav.views a")}
    assert views["Day"] == {"date": ["2026-06-30"]}
    assert views["Week"] == {"week": ["2026-W27"]}


def test_category_filter(client: TestClient) -> None:
    soup = soup_of(client, "/?date=2026-06-30&category=cs.CL")
    found = cards(soup)
    assert found
    for card in found:
        assert "cs.CL" in [text_of(a) for a in card.select("a.cat")]
    assert query(link(soup, "prev")) == {"date": ["2026-06-29"], "category": ["cs.CL"]}
    selected = soup.select_one("select#category option[selected]")
    assert selected is not None and text_of(selected) == "cs.CL"


def test_pagination(client: TestClient) -> None:
    # A day grouped into topics is shown whole; weeks, months and other days page.
    first = {c["data-paper"] for c in cards(soup_of(client, "/?week=2026-W27"))}
    soup = soup_of(client, "/?week=2026-W27&page=2")
    second = {c["data-paper"] for c in cards(soup)}
    assert len(second) == 30 and not first & second
    assert query(link(soup, "prev", "nav.pager")) == {"week": ["2026-W27"]}
    far = soup_of(client, "/?week=2026-W27&page=50")
    assert not cards(far) and link(far, "prev", "nav.pager")


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/?date=2026-13-01", "date"),
        ("/?date=yesterday", "date"),
        ("/?date=9999-12-31", "date"),
        ("/?date=0001-01-01", "date"),
        ("/?week=9999-W52", "week"),
        ("/?month=9999-12", "month"),
        ("/?date=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96-07-01", "date"),  # fullwidth digits
        ("/?page=%D9%A3", "page"),  # an Arabic-Indic three
        ("/?category=cs%00", "category"),
        ("/trending?at=9999-12-31", "at"),
        ("/trending?at=9999-12-31&window=day", "at"),
        ("/search?q=x&since=9999-12-31", "since"),
        ("/papers/a%00b", "id"),
        (f"/papers/{'x' * 201}", "id"),
        ("/?date=20260701", "date"),
        ("/?week=2026-W60", "week"),
        ("/?week=2026-27", "week"),
        ("/?month=2026-13", "month"),
        ("/?date=2026-07-01&week=2026-W27", "week"),
        ("/?page=0", "page"),
        ("/?page=two", "page"),
        ("/?category=%3Cscript%3E", "category"),
        ("/trending?window=year", "window"),
        ("/trending?page=-1", "page"),
        ("/trending?at=2026-02-30", "at"),
        ("/search?q=x&mode=fuzzy", "mode"),
        ("/search?q=x&since=2026-06-31", "since"),
        ("/search?q=x&until=soon", "until"),
        ("/search?q=x&has_code=maybe", "has_code"),
    ],
)
def test_bad_parameters_are_400_naming_them(client: TestClient, url: str, name: str) -> None:
    soup = soup_of(client, url, 400)
    assert f"“{name}”" in text_of(soup.h1)
    assert text_of(soup.select_one("main .notice")).startswith(f"400 {name}:")


def test_papers_without_feed_days_list_by_publication(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'old.db'}")
    store.migrate()
    client = TestClient(create_app(Settings(database_url=store.url), store))
    empty = soup_of(client, "/")
    assert not cards(empty) and "No papers yet" in text_of(empty.select_one("main .empty"))
    store.upsert_papers([p for p in extra_papers() if p.id == OLD_ID])
    soup = soup_of(client, "/")
    assert text_of(soup.h1) == "Mon, Jan 4, 1999"
    assert [c["data-paper"] for c in cards(soup)] == [OLD_ID]
    store.close()


# -- trending ---------------------------------------------------------------------------


@pytest.mark.parametrize("window", ["day", "week", "month"])
def test_trending(client: TestClient, window: str) -> None:
    soup = soup_of(client, f"/trending?window={window}")
    assert text_of(soup.h1) == f"Trending this {window}"
    current = soup.select_one('nav.views a[aria-current="page"]')
    assert current is not None and text_of(current) == window.capitalize()
    found = cards(soup)
    assert found and found[0]["data-paper"] == MATH_ID
    assert [text_of(c.select_one(".rank")) for c in found[:3]] == ["1", "2", "3"]
    when = {"day": "today", "week": "this week", "month": "this month"}[window]
    # The stars were observed when the papers were imported, after the ranked day.
    assert text_of(found[0].select_one(".reason")) == f"Why: 42 upvotes {when}"
    assert all(c.select_one(".reason") for c in found)


def test_trending_defaults_to_the_week(client: TestClient) -> None:
    soup = soup_of(client, "/trending")
    assert text_of(soup.h1) == "Trending this week"
    assert "Jun 25, 2026 to Jul 1, 2026" in text_of(soup.select_one("main .lede"))


def test_trending_follows_the_store(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'small.db'}")
    store.migrate()
    papers = extra_papers()
    store.upsert_papers(papers[:2])
    settings = Settings(database_url=store.url)

    def client() -> TestClient:  # a new app each time: no cached page from before a run
        return TestClient(create_app(settings, store))

    # Nothing ranked yet: the page says so and ranks nothing itself.
    unranked = soup_of(client(), "/trending?window=day")
    assert not cards(unranked)
    assert "not been computed" in text_of(unranked.select_one("main .empty"))
    assert store.stored_trending(window="day", at=LATEST, limit=1) is None
    run_rank(store, settings)
    first = cards(soup_of(client(), "/trending?window=day"))
    assert [c["data-paper"] for c in first] == [MATH_ID, HOSTILE_ID]
    hostile = papers[0]
    hostile.upvotes = 100
    store.upsert_papers([hostile])
    run_rank(store, settings)
    again = cards(soup_of(client(), "/trending?window=day"))
    assert [c["data-paper"] for c in again] == [HOSTILE_ID, MATH_ID]
    store.close()


def test_trending_as_it_stood_on_a_past_day(client: TestClient) -> None:
    before = soup_of(client, "/trending?at=2026-01-01")  # never ranked
    assert not cards(before)
    assert "not been computed for Jan 1, 2026" in text_of(before.select_one("main .empty"))
    soup = soup_of(client, "/trending?window=day&at=2026-07-01")
    assert "Jul 1, 2026 to Jul 1, 2026" in text_of(soup.select_one("main .lede"))
    week = soup.select_one('nav.views a[href*="window=week"]')
    assert week is not None and "at=2026-07-01" in week["href"]


# -- one paper --------------------------------------------------------------------------


def meta(soup: BeautifulSoup, name: str) -> list[str]:
    return [str(m["content"]) for m in soup.select(f'meta[name="{name}"]')]


def test_paper_page(client: TestClient) -> None:
    soup = soup_of(client, f"/papers/{MATH_ID}")
    assert text_of(soup.h1) == MATH_TITLE
    assert soup.select_one(".paper .authors").get_text() == "Ada Lovelace, Alan Mathison Turing"  # type: ignore[union-attr]
    assert text_of(soup.select_one(".abstract-full")) == " ".join(MATH_ABSTRACT.split())
    assert [text_of(a) for a in soup.select(".crumbs a.cat")] == ["cs.LG", "cs.DS"]
    dates = {text_of(d.dt): text_of(d.dd) for d in soup.select(".dates > div")}
    assert dates["Submitted"] == "Jun 30, 2026"
    assert dates["Updated"] == "Jul 1, 2026 (v2)"
    assert dates["Listed"] == "Jul 1, 2026"
    links = {text_of(a): a["href"] for a in soup.select("ul.links a")}
    assert links["arXiv page"] == f"https://arxiv.org/abs/{MATH_ID}"
    assert links["PDF"] == f"https://arxiv.org/pdf/{MATH_ID}"
    assert links["Code: example/fast-sort ★ 1.2k stars"] == "https://github.com/example/fast-sort"
    assert links["Project page"] == "https://example.org/fast-sort"
    assert "12 pages, 3 figures" in text_of(soup.select_one(".comment"))


def test_links_in_abstract_and_comment(client: TestClient) -> None:
    soup = soup_of(client, "/papers/2512.10359")
    links = [a["href"] for a in soup.select(".abstract-full a")]
    assert links == ["https://github.com/fansunqi/VideoTool"]
    assert soup.select_one(".abstract-full").get_text().endswith("/VideoTool.")  # type: ignore[union-attr]


def test_citation_meta_tags(client: TestClient) -> None:
    soup = soup_of(client, f"/papers/{MATH_ID}")
    assert meta(soup, "citation_title") == ["Sorting in 𝒪(n log n) Comparisons"]  # as text
    assert meta(soup, "citation_author") == ["Ada Lovelace", "Alan Mathison Turing"]
    assert meta(soup, "citation_date") == ["2026/06/30"]
    assert meta(soup, "citation_arxiv_id") == [MATH_ID]
    assert meta(soup, "citation_pdf_url") == [f"https://arxiv.org/pdf/{MATH_ID}"]
    canonical = soup.select_one('link[rel="canonical"]')
    assert canonical is not None and str(canonical["href"]).endswith(f"/papers/{MATH_ID}")


def bibtex_fields(entry: str) -> tuple[str, dict[str, str]]:
    head = re.match(r"@(\w+)\{([^,]+),", entry)
    assert head is not None and entry.rstrip().endswith("}")
    fields = dict(re.findall(r"^\s+(\w+) = \{(.*)\},?$", entry, re.MULTILINE))
    return f"{head[1]}:{head[2]}", fields


def test_bibtex(client: TestClient) -> None:
    soup = soup_of(client, f"/papers/{MATH_ID}")
    kind, fields = bibtex_fields(soup.select_one("#bibtex").get_text())  # type: ignore[union-attr]
    assert kind == "misc:lovelace2026sorting"
    assert fields == {
        "title": MATH_TITLE,
        "author": "Lovelace, Ada and Turing, Alan Mathison",
        "year": "2026",
        "eprint": MATH_ID,
        "archivePrefix": "arXiv",
        "primaryClass": "cs.LG",
        "url": f"https://arxiv.org/abs/{MATH_ID}",
    }


def test_old_style_id(client: TestClient) -> None:
    soup = soup_of(client, f"/papers/{OLD_ID}")
    assert text_of(soup.h1) == "An Old-Style Identifier on String Dualities"
    assert meta(soup, "citation_arxiv_id") == [OLD_ID]
    assert meta(soup, "citation_date") == ["1999/01/04"]
    _, fields = bibtex_fields(soup.select_one("#bibtex").get_text())  # type: ignore[union-attr]
    assert fields["eprint"] == OLD_ID and fields["primaryClass"] == "hep-th"


@pytest.mark.parametrize(
    ("url", "target"),
    [
        (f"/papers/{MATH_ID}v2", f"/papers/{MATH_ID}"),
        (f"/papers/{MATH_ID}v1", f"/papers/{MATH_ID}"),
        (f"/papers/arXiv:{MATH_ID}", f"/papers/{MATH_ID}"),
        (f"/papers/{OLD_ID}v3", f"/papers/{OLD_ID}"),
    ],
)
def test_versioned_ids_redirect(client: TestClient, url: str, target: str) -> None:
    response = client.get(url, follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == target


@pytest.mark.parametrize(
    "url", ["/papers/9999.99999", "/papers/9999.99999v2", "/papers/nope/../x", "/papers/%3Cb%3E"]
)
def test_unknown_paper_is_404(client: TestClient, url: str) -> None:
    soup = soup_of(client, url, 404)
    assert text_of(soup.h1) == "Paper not found"
    assert soup.find("b") is None


def test_similar_papers(client: TestClient) -> None:
    soup = soup_of(client, "/papers/2512.10359")
    section = soup.select_one("section.similar")
    assert section is not None and text_of(section.h2) == "Similar papers"
    items = section.select("li")
    assert 1 <= len(items) <= 6
    for item in items:
        href = item.select_one("a")
        assert href is not None and str(href["href"]).startswith("/papers/")
        assert href["href"] != "/papers/2512.10359"
        assert text_of(item.select_one(".reason"))


def test_no_index_still_shows_stored_similar_and_explains_search(unindexed: TestClient) -> None:
    soup = soup_of(unindexed, f"/papers/{MATH_ID}")  # stored lists need no search index
    assert soup.select("section.similar li a")
    for url in ["/search", "/search?q=graph+neural+networks"]:
        soup = soup_of(unindexed, url)
        assert "no search index" in text_of(soup.select_one("main .notice"))
        assert soup.select_one("main form") is None and not cards(soup)


# -- escaping ---------------------------------------------------------------------------


def test_hostile_abstract_is_text(client: TestClient) -> None:
    soup = soup_of(client, f"/papers/{HOSTILE_ID}")
    assert text_of(soup.select_one(".abstract-full")) == HOSTILE_ABSTRACT
    assert text_of(soup.h1) == "Escaping <script>alert('title')</script> in Titles"
    assert "Mallory <img src=x onerror=alert(2)>" in meta(soup, "citation_author")
    assert soup.select("main script, main b, main img") == []
    assert all(s.get("src") for s in soup.find_all("script"))
    (card,) = [
        c
        for page in all_pages(client, "/")
        for c in page.select(f'article[data-paper="{HOSTILE_ID}"]')
    ]
    assert card is not None and card.select("script, b, img") == []
    assert text_of(card.select_one(".abstract")) == HOSTILE_ABSTRACT


@pytest.mark.parametrize(
    "q",
    [
        '"><script>alert(1)</script>',
        'AND OR NOT ((( ))) -- ~~ ** title: +- "unclosed',
        "' OR 1=1; DROP TABLE papers; --",
        "\u202e\U0001f600 " + "x" * 480,
    ],
)
def test_hostile_search_query(client: TestClient, q: str) -> None:
    response = client.get("/search", params={"q": q})
    assert response.status_code == 200
    soup = BeautifulSoup(response.text, "html.parser")
    box = soup.select_one("input#q")
    assert box is not None and str(box["value"]) == " ".join(q.split())
    assert soup.select("main script, main img") == []
    assert all(s.get("src") for s in soup.find_all("script"))


@pytest.mark.parametrize(
    ("q", "words"),
    [
        ("\u0000\u202e\U0001f600 x", "control character (U+0000)"),
        ("a\x1bb", "control character (U+001B)"),
        ("x" * 501, "at most 500 characters (got 501)"),
        (" ".join(["graph"] * 65), "at most 64 words (got 65)"),
    ],
)
def test_search_query_that_cannot_be_searched_is_400(
    client: TestClient, q: str, words: str
) -> None:
    soup = soup_of(client, "/search?" + urlencode({"q": q}), 400)
    assert "“q”" in text_of(soup.h1)
    assert words in text_of(soup.select_one("main .notice"))


def test_search_finds_the_hostile_paper_and_escapes_it(client: TestClient) -> None:
    soup = soup_of(client, "/search?q=escaping+titles+script&mode=keyword")
    card = soup.select_one(f'article[data-paper="{HOSTILE_ID}"]')
    assert card is not None and card.select("script, b") == []


# -- search -----------------------------------------------------------------------------


def test_search_results(client: TestClient) -> None:
    soup = soup_of(client, "/search?q=video+question+answering")
    found = cards(soup)
    assert len(found) == 20
    assert "2512.10359" in [c["data-paper"] for c in found]
    assert all(text_of(c.select_one(".reason")) for c in found)
    assert "video question answering" in text_of(soup.select_one("main .lede"))
    box = soup.select_one("input#q")
    assert box is not None and box["value"] == "video question answering"
    assert query(link(soup, "next", "nav.pager")) == {
        "q": ["video question answering"],
        "page": ["2"],
    }
    second = cards(soup_of(client, "/search?q=video+question+answering&page=2"))
    assert second and not {c["data-paper"] for c in found} & {c["data-paper"] for c in second}


@pytest.mark.parametrize("mode", ["hybrid", "keyword", "semantic"])
def test_search_modes(client: TestClient, mode: str) -> None:
    soup = soup_of(client, f"/search?q=sorting+comparisons+bound&mode={mode}")
    assert cards(soup)
    selected = soup.select_one("select[name=mode] option[selected]")
    assert selected is not None and selected["value"] == mode


def test_search_filters(client: TestClient) -> None:
    url = "/search?q=language+models&category=cs.CL&since=2026-06-29&until=2026-06-30&has_code=1"
    soup = soup_of(client, url)
    found = cards(soup)
    assert found
    for card in found:
        assert "cs.CL" in [text_of(a) for a in card.select("a.cat")]
        assert card.select_one(".code a") is not None
        day = card.select_one("time")
        assert day is not None and "2026-06-29" <= str(day["datetime"]) <= "2026-06-30"
    details = soup.select_one("details.filters")
    assert details is not None and details.has_attr("open")
    checkbox = soup.select_one("input[name=has_code]")
    assert checkbox is not None and checkbox.has_attr("checked")
    assert soup.select_one("input[name=since]")["value"] == "2026-06-29"  # type: ignore[index]
    nxt = link(soup, "next", "nav.pager")
    if nxt:
        assert query(nxt)["has_code"] == ["1"] and query(nxt)["category"] == ["cs.CL"]


def test_search_without_a_query(client: TestClient) -> None:
    soup = soup_of(client, "/search")
    assert soup.select_one("form.search-form input#q") is not None
    assert not cards(soup)
    assert soup.select_one("header form.quick-search") is None  # the page has its own box


def test_search_no_results(client: TestClient) -> None:
    soup = soup_of(client, "/search?q=qwxzzv+plorbtangle&mode=keyword")
    assert not cards(soup)
    assert "No papers match" in text_of(soup.select_one("main .empty"))


# -- subscribe --------------------------------------------------------------------------


def test_subscribe_form(client: TestClient) -> None:
    soup = soup_of(client, "/subscribe")
    form = soup.select_one("main form")
    assert form is not None and form["method"] == "post" and form["action"] == "/subscribe"
    email = form.select_one("input[name=email]")
    assert email is not None and email["type"] == "email"
    assert [r["value"] for r in form.select("input[name=frequency]")] == ["daily", "weekly"]
    assert [c["value"] for c in form.select("input[name=categories]")] == [
        "cs.CV",
        "cs.CL",
        "cs.LG",
        "cs.AI",
    ]
    assert form.select_one("textarea[name=topics]") is not None
    assert soup.find("script", src=re.compile("katex")) is None


def with_form_token(client: TestClient, data: dict[str, object]) -> dict[str, object]:
    """What a browser sends: the hidden inputs of the form (its CSRF token) and ``data``."""
    form = soup_of(client, "/subscribe").select_one("main form")
    assert form is not None
    hidden = {str(i["name"]): i.get("value", "") for i in form.select("input[type=hidden]")}
    return {**hidden, **data}


def test_subscribe_post(client: TestClient) -> None:
    data = {
        "email": "ada@example.org",
        "frequency": "weekly",
        "categories": ["cs.CL", "cs.LG"],
        "topics": "sorting <networks>",
    }
    response = client.post("/subscribe", data=with_form_token(client, data))
    assert response.status_code == 200
    soup = BeautifulSoup(response.text, "html.parser")
    assert text_of(soup.h1) == "Check your inbox"
    summary = {text_of(d.dt): text_of(d.dd) for d in soup.select("dl.summary > div")}
    assert summary == {
        "Email": "ada@example.org",
        "How often": "Weekly",
        "Categories": "cs.CL, cs.LG",
        "Topics": "sorting <networks>",
        "Time zone": "UTC",
    }
    assert soup.select("main networks") == []


@pytest.mark.parametrize(
    "email", ["", "not-an-email", "a@b", "<script>alert(1)</script>@example.org", "a b@c.org"]
)
def test_subscribe_rejects_bad_email(client: TestClient, email: str) -> None:
    data = {"email": email, "frequency": "daily", "topics": '"><img src=x>'}
    response = client.post("/subscribe", data=with_form_token(client, data))
    assert response.status_code == 400
    soup = BeautifulSoup(response.text, "html.parser")
    assert text_of(soup.h1) == "Subscribe"
    assert "Enter an email address" in text_of(soup.select_one("main .notice"))
    box = soup.select_one("input#email")
    assert box is not None and box["value"] == email and box["aria-invalid"] == "true"
    assert text_of(soup.select_one("textarea#topics")) == '"><img src=x>'
    assert soup.select("main script, main img") == []


def test_subscribe_rejects_bad_choices(client: TestClient) -> None:
    data = {"email": "ada@example.org", "frequency": "hourly", "categories": ["<x>"]}
    response = client.post("/subscribe", data=with_form_token(client, data))
    soup = BeautifulSoup(response.text, "html.parser")
    errors = [text_of(li) for li in soup.select("main .notice li")]
    assert errors == ["Choose daily or weekly.", "Unknown category “<x>”."]


def test_html_error_pages(site: Site) -> None:
    app = create_app(site.settings, site.store)
    app.add_exception_handler(HTTPException, http_error_page)
    client = TestClient(app)
    soup = soup_of(client, "/no/such/page", 404)
    assert text_of(soup.h1) == "Not Found"
    response = client.post("/trending")
    assert response.status_code == 405 and "allow" in response.headers
    assert text_of(BeautifulSoup(response.text, "html.parser").h1) == "Method Not Allowed"
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.headers["content-type"] == "application/json"


# -- helpers ----------------------------------------------------------------------------


def test_preview_never_cuts_inside_math() -> None:
    text = "A" * 250 + " with $x^2 + y^2 = z^2$ and more words " * 5
    cut = preview(text, 270)
    assert cut.endswith(" …") and cut.count("$") % 2 == 0
    assert preview("short", 300) == "short"
