"""The feeds, read back with feedparser: every field, both formats, conditional GET."""

from __future__ import annotations

import calendar
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email.utils import format_datetime
from pathlib import Path

import feedparser
import pytest
from fastapi.testclient import TestClient

from paperwire.config import Settings
from paperwire.index.jobs import update_index
from paperwire.models import Author, FeedDate, Paper
from paperwire.rank.jobs import run_rank
from paperwire.store import open_store
from paperwire.web.app import create_app

BASE = "https://papers.example.org"
LATEST = date(2026, 7, 1)
EARLIER = date(2026, 6, 30)
HOSTILE_TITLE = "Escaping <script>alert('x')</script> & Friends in Titles"


def papers() -> list[Paper]:
    when = datetime(2026, 6, 29, 17, 0, tzinfo=UTC)
    latest = [FeedDate(LATEST, "arxiv")]
    return [
        Paper(
            id="2607.00001",
            version=2,
            title="Sparse Mixture of Experts for Graph Transformers",
            abstract="We route graph tokens to sparse experts and show gains on benchmarks.",
            authors=[Author("Ada Lovelace", "Analytical Engines"), Author("Alan Turing")],
            categories=["cs.LG", "cs.AI"],
            published_at=when,
            updated_at=datetime(2026, 6, 30, 9, 30, tzinfo=UTC),
            abs_url="https://arxiv.org/abs/2607.00001v2",
            pdf_url="https://arxiv.org/pdf/2607.00001v2",
            github_repo="https://github.com/example/moe-graph",
            github_stars=120,
            upvotes=40,
            feed_dates=latest,
            sources=["test"],
        ),
        Paper(
            id="2607.00002",
            version=1,
            title=HOSTILE_TITLE,
            abstract="An abstract holding <b>markup</b> & <script>alert(1)</script> as text.",
            authors=[Author("Mallory <img src=x onerror=alert(2)>")],
            categories=["cs.CR"],
            published_at=when,
            upvotes=2,
            feed_dates=latest,
            sources=["test"],
        ),
        Paper(
            id="2607.00003",
            title="Listing-only Paper on Retrieval Augmented Generation",
            abstract="Retrieval augmented generation for papers, announced on the daily listing.",
            authors=[Author("Grace Hopper")],
            categories=["cs.CL"],
            feed_dates=latest,
            sources=["test"],
        ),
        Paper(
            id="doi:10.1000/xyz123",
            title="A Paper Known Only by Its DOI",
            abstract="Graph transformers again, from another source.",
            authors=[Author("Edsger Dijkstra")],
            categories=["cs.DS"],
            published_at=datetime(2026, 6, 30, 8, 0, tzinfo=UTC),
            doi="10.1000/xyz123",
            feed_dates=[FeedDate(EARLIER, "arxiv")],
            sources=["test"],
        ),
    ]


@pytest.fixture(scope="module")
def indexed_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("feeds")
    settings = Settings(database_url=f"sqlite:///{folder / 'paperwire.db'}")
    store = open_store(settings.database_url)
    store.migrate()
    store.upsert_papers(papers())
    update_index(store, settings)
    run_rank(store, settings)
    store.close()
    return folder


@pytest.fixture
def settings(indexed_folder: Path, tmp_path: Path) -> Settings:
    target = tmp_path / "copy"
    shutil.copytree(indexed_folder, target)
    return Settings(database_url=f"sqlite:///{target / 'paperwire.db'}", base_url=BASE)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def parse(body: bytes) -> feedparser.FeedParserDict:
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def fetch(client: TestClient, url: str) -> feedparser.FeedParserDict:
    response = client.get(url)
    assert response.status_code == 200, response.text
    kind = "rss" if url.split("?")[0].endswith(".rss") else "atom"
    assert response.headers["content-type"] == f"application/{kind}+xml; charset=utf-8"
    feed = parse(response.content)
    assert feed.version == ("atom10" if kind == "atom" else "rss20")
    return feed


def ids(feed: feedparser.FeedParserDict) -> list[str]:
    return [entry.id for entry in feed.entries]


def utc(parsed: object) -> datetime:
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_daily_feed_reads_back_every_field(client: TestClient, kind: str) -> None:
    feed = fetch(client, f"/feeds/daily.{kind}")
    assert feed.feed.title == "paperwire: papers of 2026-07-01"
    assert feed.feed.link == f"{BASE}/?date=2026-07-01"
    self_links = [link.href for link in feed.feed.links if link.rel == "self"]
    assert self_links == [f"{BASE}/feeds/daily.{kind}"]
    # the newest entry: the listing-only paper, dated by the day it was announced
    assert utc(feed.feed.updated_parsed) == datetime(2026, 7, 1, tzinfo=UTC)
    assert set(ids(feed)) == {
        "https://arxiv.org/abs/2607.00001",
        "https://arxiv.org/abs/2607.00002",
        "https://arxiv.org/abs/2607.00003",
    }
    entry = next(e for e in feed.entries if e.id.endswith("2607.00001"))
    assert entry.title == "Sparse Mixture of Experts for Graph Transformers"
    assert entry.link == f"{BASE}/papers/2607.00001"
    assert utc(entry.updated_parsed) == datetime(2026, 6, 30, 9, 30, tzinfo=UTC)
    assert [a.name for a in entry.authors] == ["Ada Lovelace", "Alan Turing"]
    assert [t.term for t in entry.tags] == ["cs.LG", "cs.AI"]
    assert entry.summary.startswith("We route graph tokens")
    if kind == "atom":
        assert utc(entry.published_parsed) == datetime(2026, 6, 29, 17, 0, tzinfo=UTC)
        links = {(link.rel, link.type): link.href for link in entry.links}
        assert links == {
            ("alternate", "text/html"): f"{BASE}/papers/2607.00001",
            ("related", "text/html"): "https://arxiv.org/abs/2607.00001",
            ("related", "application/pdf"): "https://arxiv.org/pdf/2607.00001v2",
        }
        assert entry.summary_detail.type == "text/plain"
    else:
        assert entry.guidislink is False  # the id is a permalink, and the link the page
        assert utc(entry.published_parsed) == datetime(2026, 6, 29, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_entry_dates_fall_back_to_the_feed_day(client: TestClient, kind: str) -> None:
    feed = fetch(client, f"/feeds/daily.{kind}")
    listing_only = next(e for e in feed.entries if e.id.endswith("2607.00003"))
    assert utc(listing_only.updated_parsed) == datetime(2026, 7, 1, tzinfo=UTC)
    assert "published_parsed" not in listing_only


def test_atom_and_rss_have_the_same_entries_and_ids(client: TestClient) -> None:
    for name in ("daily", "trending?window=month", "search?q=graph+transformers"):
        path, _, query = name.partition("?")
        suffix = f"?{query}" if query else ""
        atom = fetch(client, f"/feeds/{path}.atom{suffix}")
        rss = fetch(client, f"/feeds/{path}.rss{suffix}")
        assert ids(atom) == ids(rss) and ids(atom), name
        assert [e.title for e in atom.entries] == [e.title for e in rss.entries]


def test_text_is_escaped_not_markup(client: TestClient) -> None:
    for kind in ("atom", "rss"):
        body = client.get(f"/feeds/daily.{kind}").content
        assert b"<script>" not in body and b"<img" not in body
        assert b"&lt;script&gt;" in body
        entry = next(e for e in parse(body).entries if e.id == "https://arxiv.org/abs/2607.00002")
        assert entry.title == HOSTILE_TITLE
        assert entry.authors[0].name == "Mallory <img src=x onerror=alert(2)>"


def test_a_paper_without_arxiv_id_uses_its_page_as_id(client: TestClient) -> None:
    for kind in ("atom", "rss"):
        feed = fetch(client, f"/feeds/daily.{kind}?date=2026-06-30")
        assert feed.feed.title == "paperwire: papers of 2026-06-30"
        [entry] = feed.entries
        assert entry.id == f"{BASE}/papers/doi:10.1000/xyz123"
        assert entry.link == f"{BASE}/papers/doi:10.1000/xyz123"
        assert [t.term for t in entry.tags] == ["cs.DS"]


def test_daily_category_filter(client: TestClient) -> None:
    feed = fetch(client, "/feeds/daily.atom?category=cs.CR")
    assert ids(feed) == ["https://arxiv.org/abs/2607.00002"]
    assert feed.feed.title == "paperwire: papers of 2026-07-01 in cs.CR"


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_trending_feed_is_ranked(client: TestClient, kind: str) -> None:
    feed = fetch(client, f"/feeds/trending.{kind}?window=week")
    assert feed.feed.title == "paperwire: trending this week"
    assert feed.feed.link == f"{BASE}/trending?window=week"
    assert ids(feed)[:2] == ["https://arxiv.org/abs/2607.00001", "https://arxiv.org/abs/2607.00002"]
    assert fetch(client, f"/feeds/trending.{kind}?window=day").entries
    assert ids(fetch(client, f"/feeds/trending.{kind}?limit=1")) == ids(feed)[:1]


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_search_feed(client: TestClient, kind: str) -> None:
    feed = fetch(client, f"/feeds/search.{kind}?q=retrieval+augmented+generation")
    assert feed.feed.title == "paperwire: search 'retrieval augmented generation'"
    assert feed.feed.link == f"{BASE}/search?q=retrieval+augmented+generation"
    assert ids(feed)[0] == "https://arxiv.org/abs/2607.00003"
    keyword = fetch(client, f"/feeds/search.{kind}?q=dijkstra&mode=keyword")
    assert ids(keyword) == [f"{BASE}/papers/doi:10.1000/xyz123"]


def test_search_feed_without_an_index_is_503(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'bare.db'}", base_url=BASE)
    with TestClient(create_app(settings)) as client:
        for kind in ("atom", "rss"):
            response = client.get(f"/feeds/search.{kind}?q=graphs")
            assert response.status_code == 503
            assert "search index has not been built" in response.text
            assert "paperwire index" in response.text
        empty = fetch(client, "/feeds/daily.atom")  # no papers at all: a valid, empty feed
        assert empty.entries == []


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("/feeds/daily.atom?date=yesterday", 400, "date: expected a date as YYYY-MM-DD"),
        ("/feeds/daily.atom?date=9999-12-31", 400, "date: out of range"),
        ("/feeds/daily.rss?category=cs%00", 400, "category: expected an arXiv category"),
        ("/feeds/trending.rss?window=year", 400, "window: expected day, week or month"),
        ("/feeds/trending.atom?at=9999-12-31", 400, "at: out of range"),
        ("/feeds/search.atom", 400, "q: Field required"),
        ("/feeds/search.atom?q=a%00b", 400, "q: the query holds a control character (U+0000)"),
        ("/feeds/search.rss?q=x&mode=fuzzy", 400, "mode: Input should be"),
        ("/feeds/daily.atom?limit=0", 400, "limit: Input should be greater than or equal to 1"),
        ("/feeds/daily.atom?limit=ten", 400, "limit: Input should be a valid integer"),
        ("/feeds/daily.json", 404, ""),
    ],
)
def test_bad_parameters_are_client_errors(
    client: TestClient, url: str, status: int, words: str
) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert words in response.text
    if status == 400:  # plain text a feed reader can show, naming the parameter
        assert response.headers["content-type"].startswith("text/plain")
        assert response.text.startswith(words.split(":")[0] + ":")


@pytest.mark.parametrize(
    "url", ["/feeds/daily.atom", "/feeds/trending.rss", "/feeds/search.atom?q=graph"]
)
def test_conditional_get(client: TestClient, url: str) -> None:
    first = client.get(url)
    etag = first.headers["etag"]
    last_modified = first.headers["last-modified"]
    assert etag.startswith('"') and etag.endswith('"')
    assert first.headers["cache-control"] == "public, max-age=300"
    again = client.get(url)
    assert again.headers["etag"] == etag and again.content == first.content

    not_modified = client.get(url, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    assert client.get(url, headers={"If-None-Match": f'"other", W/{etag}'}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200

    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304
    older = format_datetime(datetime(2026, 1, 1, tzinfo=UTC), usegmt=True)
    assert client.get(url, headers={"If-Modified-Since": older}).status_code == 200
    # If-None-Match wins over If-Modified-Since
    both = {"If-None-Match": '"other"', "If-Modified-Since": last_modified}
    assert client.get(url, headers=both).status_code == 200
    assert client.get(url, headers={"If-Modified-Since": "not a date"}).status_code == 200


def test_the_etag_follows_the_data(client: TestClient, settings: Settings) -> None:
    first = client.get("/feeds/daily.atom")
    etag = first.headers["etag"]
    store = open_store(settings.database_url)
    store.upsert_papers(
        [
            Paper(
                id="2607.00004",
                title="A Late Arrival",
                abstract="Announced the same day.",
                authors=[Author("Barbara Liskov")],
                categories=["cs.PL"],
                published_at=datetime(2026, 6, 30, 20, 0, tzinfo=UTC),
                feed_dates=[FeedDate(LATEST, "arxiv")],
                sources=["test"],
            )
        ]
    )
    store.close()
    changed = client.get("/feeds/daily.atom", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert "https://arxiv.org/abs/2607.00004" in ids(parse(changed.content))


def test_feeds_carry_the_security_headers(client: TestClient) -> None:
    response = client.get("/feeds/daily.rss")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in response.headers["content-security-policy"]
