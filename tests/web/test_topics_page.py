"""The day page by topic: an index of the day's topics with counts and jump links, the
papers under their topics, a titles-only view, and category controls that keep the day."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient

import paperwire.web
from tests.web.conftest import LATEST, OLD_ID, Site

DAY = LATEST.isoformat()
STATIC = Path(paperwire.web.__file__).parent / "static"


def soup_of(client: TestClient, url: str, status: int = 200) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return BeautifulSoup(response.text, "html.parser")


def text_of(node: Tag | None) -> str:
    assert node is not None
    return " ".join(node.get_text(" ").split())


def query(href: object) -> dict[str, list[str]]:
    return parse_qs(urlsplit(str(href)).query)


def shown_count(soup: BeautifulSoup) -> int:
    words = text_of(soup.select_one("main .listing-head .day-count")).split()
    assert words[1] in ("paper", "papers")
    return int(words[0])


def cards_by_page(client: TestClient, url: str) -> list[BeautifulSoup]:
    """Every page of a day's cards, following the pager from ``url``."""
    pages = [soup_of(client, url)]
    while (link := pages[-1].select_one("main nav.pager a[rel=next]")) is not None:
        pages.append(soup_of(client, str(link["href"])))
        assert len(pages) < 50
    return pages


def test_topic_index_jumps_to_every_topic(site: Site) -> None:
    """The cards page through the day topic by topic, 30 a page; every topic of the
    index jumps to the page and the section where it starts."""
    pages = cards_by_page(site.client, f"/?date={DAY}")
    first = pages[0]
    listed = site.store.list_papers(day=LATEST, limit=100_000)
    assert shown_count(first) == len(listed) >= 300
    assert len(pages) == -(-len(listed) // 30)
    assert all(len(page.select("main article.card")) <= 30 for page in pages)
    index = first.select("main nav.topics li a")
    assert len(index) >= 5
    # every page carries the same index of all topics
    assert [text_of(a) for a in pages[-1].select("main nav.topics li a")] == [
        text_of(a) for a in index
    ]
    total = 0
    for entry in index:
        href = str(entry["href"])
        path, _, anchor = href.partition("#")
        page = int(query(path).get("page", ["1"])[0]) if path else 1
        target = pages[page - 1].find(id=anchor)
        assert isinstance(target, Tag) and target.name == "section", href
        label = text_of(entry).rsplit(" ", 1)[0]
        heading = text_of(target.select_one("h2"))
        assert heading.startswith(label) and "continued" not in heading
        count = int(text_of(entry.select_one(".n")))
        # the topic's cards: from its section on, across the pages it spans
        cards = []
        for soup in pages[page - 1 :]:
            section = soup.find(id=anchor)
            if not isinstance(section, Tag):
                break
            cards += section.select("article.card")
        assert len(cards) == count
        total += count
    assert total == len(listed)
    # every paper of the day once, each in one topic
    ids = [
        str(c["data-paper"])
        for soup in pages
        for c in soup.select("main section.topic article.card")
    ]
    assert sorted(ids) == sorted(p.id for p in listed)


def test_compact_view_lists_titles_only(site: Site) -> None:
    soup = soup_of(site.client, f"/?date={DAY}&view=compact")
    listed = site.store.list_papers(day=LATEST, limit=100_000)
    assert not soup.select("main article.card")
    items = soup.select("main section.topic ol.titles li")
    assert sorted(str(li["data-paper"]) for li in items) == sorted(p.id for p in listed)
    for li in items[:50]:
        link = li.select_one("a.title")
        assert link is not None and str(link["href"]).startswith("/papers/")
        assert li.select_one(".abstract, .authors") is None
    for entry in soup.select("main nav.topics li a"):
        assert soup.find(id=str(entry["href"])[1:]) is not None
    current = soup.select_one('nav.layout a[aria-current="page"]')
    assert text_of(current) == "Titles"
    # the view is kept when moving between days and filtering
    assert query(soup.select_one("nav.daynav a[rel=prev]")["href"])["view"] == ["compact"]
    hidden = soup.select_one('form.filter input[name="view"]')
    assert hidden is not None and hidden["value"] == "compact"
    cards = soup_of(site.client, f"/?date={DAY}")
    assert text_of(cards.select_one('nav.layout a[aria-current="page"]')) == "Cards"


@pytest.mark.parametrize("value", ["bad", "COMPACT", "compact%00", "x" * 300])
def test_bad_view_is_400(client: TestClient, value: str) -> None:
    soup = soup_of(client, f"/?date={DAY}&view={value}", 400)
    assert "view" in text_of(soup.select_one("main"))


def test_a_day_without_topics_is_a_plain_list(client: TestClient) -> None:
    soup = soup_of(client, "/?date=1999-01-04")
    assert not soup.select("main nav.topics, main section.topic")
    assert [str(c["data-paper"]) for c in soup.select("main article.card")] == [OLD_ID]
    assert shown_count(soup) == 1
    compact = soup_of(client, "/?date=1999-01-04&view=compact")
    assert [str(li["data-paper"]) for li in compact.select("main ol.titles li")] == [OLD_ID]


def test_a_category_keeps_the_topics_of_the_day(site: Site) -> None:
    soup = soup_of(site.client, f"/?date={DAY}&category=cs.CL")
    listed = site.store.list_papers(day=LATEST, category="cs.CL", limit=100_000)
    assert 0 < shown_count(soup) == len(listed) < 300
    pages = cards_by_page(site.client, f"/?date={DAY}&category=cs.CL")
    cards = [c for page in pages for c in page.select("main section.topic article.card")]
    assert sorted(str(c["data-paper"]) for c in cards) == sorted(p.id for p in listed)
    for entry in soup.select("main nav.topics li a"):
        path, _, anchor = str(entry["href"]).partition("#")
        assert query(path).get("category", ["cs.CL"]) == ["cs.CL"]
        page = int(query(path).get("page", ["1"])[0]) if path else 1
        assert pages[page - 1].find(id=anchor) is not None


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("/?date=2026-06-25", {"date": ["2026-06-25"]}),
        ("/?date=2026-06-25&view=compact", None),
        ("/?week=2026-W26", {"week": ["2026-W26"]}),
        ("/?month=2026-06&page=2", {"month": ["2026-06"]}),
    ],
)
def test_category_chips_keep_the_day(client: TestClient, url: str, kept: dict | None) -> None:
    soup = soup_of(client, url)
    chips = soup.select("main article.card a.cat")
    if kept is None:  # titles only: no chips
        assert not chips
        return
    assert chips
    for chip in chips:
        found = query(chip["href"])
        assert found == {**kept, "category": [text_of(chip)]}


def test_the_category_menu_waits_for_its_button(client: TestClient) -> None:
    soup = soup_of(client, f"/?date={DAY}")
    select = soup.select_one("form.filter select#category")
    assert select is not None
    assert not [a for a in select.attrs if a.startswith(("data-auto", "onchange"))]
    button = soup.select_one("form.filter button[type=submit]")
    assert button is not None and text_of(button)
    script = (STATIC / "paperwire.js").read_text()
    assert ".submit()" not in script and "requestSubmit" not in script
    assert ".js .filter button" not in (STATIC / "paperwire.css").read_text()


@pytest.mark.parametrize("category", [None, "cs.CV"])
def test_a_topic_past_a_page_goes_on_under_continued(site: Site, category: str | None) -> None:
    """A topic cut by a page break is headed "continued" on the next page (and only
    there), and the pager keeps the day, the category and the view."""
    kept = {"date": [DAY]} | ({"category": [category]} if category else {})
    url = f"/?date={DAY}&view=cards" + (f"&category={category}" if category else "")
    pages = cards_by_page(site.client, url)
    assert len(pages) >= 2
    # the topics a page break cuts, from the counts of the index: 30 cards a page
    cut, at = set(), 0
    for entry in pages[0].select("main nav.topics li a"):
        size = int(text_of(entry.select_one(".n")))
        if at // 30 != (at + size - 1) // 30:
            cut.add(str(entry["href"]).partition("#")[2])
        at += size
    assert cut, "no topic of the day is cut by a page break"
    seen: set[str] = set()
    continued: set[str] = set()
    for number, soup in enumerate(pages, 1):
        for n, section in enumerate(soup.select("main section.topic")):
            anchor = str(section["id"])
            heading = text_of(section.select_one("h2"))
            if anchor in seen:  # began on an earlier page: goes on at the top of this one
                assert n == 0 and heading.endswith(", continued"), (number, heading)
                continued.add(anchor)
            else:
                assert "continued" not in heading, (number, heading)
            seen.add(anchor)
        # the pager: the day and the category (the view is cards, the default) kept
        after = soup.select_one("main nav.pager a[rel=next]")
        before = soup.select_one("main nav.pager a[rel=prev]")
        if number < len(pages):
            assert after is not None and query(after["href"]) == kept | {"page": [str(number + 1)]}
        if number > 1:
            back = {"page": [str(number - 1)]} if number > 2 else {}
            assert before is not None and query(before["href"]) == kept | back
        assert text_of(soup.select_one('nav.layout a[aria-current="page"]')) == "Cards"
    assert continued == cut
    # as titles, the same day and category: the whole of it on one page, no pager
    compact = soup_of(site.client, url.replace("view=cards", "view=compact"))
    assert not compact.select("main nav.pager")
    assert len(compact.select("main ol.titles li")) == shown_count(compact) == at
    assert "continued" not in text_of(compact.select_one("main"))


def test_the_pager_of_a_listing_without_topics_keeps_the_view(client: TestClient) -> None:
    """Weeks are not grouped into topics: their titles page too, and the pager keeps the
    week, the category and the view."""
    soup = soup_of(client, "/?week=2026-W27&category=cs.CV&view=compact")
    after = soup.select_one("main nav.pager a[rel=next]")
    assert after is not None and query(after["href"]) == {
        "week": ["2026-W27"],
        "category": ["cs.CV"],
        "view": ["compact"],
        "page": ["2"],
    }
    second = soup_of(client, str(after["href"]))
    assert len(second.select("main ol.titles li")) > 0
    assert not second.select("main article.card")


def test_a_page_past_the_end_of_a_day_says_so(site: Site) -> None:
    soup = soup_of(site.client, f"/?date={DAY}&page=99")
    assert not soup.select("main section.topic")
    empty = soup.select_one("main p.empty")
    assert empty is not None and "No papers on page 99" in text_of(empty)
    first = empty.select_one("a")
    assert first is not None and query(first["href"]) == {"date": [DAY]}
    assert soup.select("main nav.topics li")  # the topics are still there to jump to
