"""Pages read what the jobs stored: similar papers (``paperwire index``) and trending
rankings (``paperwire rank``); nothing is ranked on request."""

from __future__ import annotations

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from paperwire.models import Scored
from paperwire.store.base import SimilarList
from tests.web.conftest import MATH_ID, SIMILAR_STORED, Site


def soup_of(client: TestClient, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, response.text[:500]
    return BeautifulSoup(response.text, "html.parser")


def similar_links(soup: BeautifulSoup) -> list[str]:
    return [str(a["href"]) for a in soup.select("section.similar li a")]


def test_a_paper_page_shows_its_stored_list_without_any_search_index(
    site: Site, unindexed: TestClient
) -> None:
    stored = site.store.stored_similar("2512.10359", limit=6)
    assert stored  # the fixture's index job stored it
    expected = [f"/papers/{s.paper_id}" for s in stored]
    # The app without a search index (no searcher at all) shows the very same list.
    assert similar_links(soup_of(unindexed, "/papers/2512.10359")) == expected
    assert similar_links(soup_of(site.client, "/papers/2512.10359")) == expected


def test_the_page_shows_what_is_stored_not_what_a_search_would_find(
    site: Site, unindexed: TestClient
) -> None:
    """A list written straight into the store is what the page lists, reasons included:
    proof that the page reads, and does not compute."""
    before = site.store.stored_similar(MATH_ID, limit=20)
    assert before is not None
    chosen = [Scored("2512.10359", 0.9, "stored by hand"), Scored("hep-th/9901001", 0.5, "")]
    with site.store.atomic():
        site.store.save_similar([SimilarList(MATH_ID, "hash", "fast", chosen)])
    try:
        soup = soup_of(unindexed, f"/papers/{MATH_ID}")
        assert similar_links(soup) == ["/papers/2512.10359", "/papers/hep-th/9901001"]
        assert "stored by hand" in soup.select_one("section.similar .reason").get_text()
    finally:
        with site.store.atomic():
            site.store.save_similar([SimilarList(MATH_ID, "hash", "fast", before)])


def test_a_paper_without_a_stored_list_says_it_is_not_ready(site: Site) -> None:
    paper = next(p for p in site.store.list_papers(limit=50) if p.id not in SIMILAR_STORED)
    assert site.store.stored_similar(paper.id, limit=6) is None
    soup = soup_of(site.client, f"/papers/{paper.id}")
    section = soup.select_one("section.similar")
    assert section is not None and not section.select("li")
    assert "not ready yet" in section.get_text()
    assert site.store.stored_similar(paper.id, limit=6) is None  # the page computed nothing


def test_a_cached_page_is_rendered_again_when_its_similar_papers_are_stored(
    site: Site,
) -> None:
    """The response cache follows what jobs store, not only the papers."""
    before = site.store.stored_similar(MATH_ID, limit=20)
    assert before is not None
    first = soup_of(site.client, f"/papers/{MATH_ID}")  # rendered, then cached
    assert similar_links(soup_of(site.client, f"/papers/{MATH_ID}")) == similar_links(first)
    chosen = [Scored("hep-th/9901001", 0.7, "stored by hand")]
    with site.store.atomic():
        site.store.save_similar([SimilarList(MATH_ID, "hash", "fast", chosen)])
    try:
        assert similar_links(soup_of(site.client, f"/papers/{MATH_ID}")) == [
            "/papers/hep-th/9901001"
        ]
    finally:
        with site.store.atomic():
            site.store.save_similar([SimilarList(MATH_ID, "hash", "fast", before)])
