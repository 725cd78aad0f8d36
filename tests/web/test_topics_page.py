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


def test_topic_index_jumps_to_every_topic(site: Site) -> None:
    soup = soup_of(site.client, f"/?date={DAY}")
    listed = site.store.list_papers(day=LATEST, limit=100_000)
    assert shown_count(soup) == len(listed) >= 300
    index = soup.select("main nav.topics li a")
    assert len(index) >= 5
    total = 0
    for entry in index:
        href = str(entry["href"])
        assert href.startswith("#")
        target = soup.find(id=href[1:])
        assert isinstance(target, Tag) and target.name == "section", href
        count = int(text_of(entry.select_one(".n")))
        assert len(target.select("article.card")) == count
        label = text_of(entry).rsplit(" ", 1)[0]
        assert text_of(target.select_one("h2")).startswith(label)
        total += count
    assert total == len(listed)
    # every paper of the day once, each in one topic
    ids = [str(c["data-paper"]) for c in soup.select("main section.topic article.card")]
    assert sorted(ids) == sorted(p.id for p in listed)
    assert not soup.select("main nav.pager")


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
    cards = soup.select("main section.topic article.card")
    assert sorted(str(c["data-paper"]) for c in cards) == sorted(p.id for p in listed)
    for entry in soup.select("main nav.topics li a"):
        assert soup.find(id=str(entry["href"])[1:]) is not None


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
