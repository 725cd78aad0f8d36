"""Every route, every parameter, hostile values: never a server error, and a value that
cannot be used is a 400 naming the parameter. ``HEAD`` works wherever ``GET`` does.
Records that the import gate would refuse, written straight into the store (a control
character in a title, a feed day of 9999-12-31, ``javascript:`` links), take no page,
feed or API answer down and never become a link."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import quote

import feedparser
import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Mount, Route

from paperwire.config import Settings
from paperwire.index.jobs import update_index
from paperwire.models import Author, FeedDate, Paper
from paperwire.store import Store, open_store
from paperwire.web.app import create_app
from tests.fresh import isolated

DAY = date(2026, 7, 1)
EARLIER = date(2026, 6, 30)
FAR_FUTURE = date(9999, 12, 31)
NORMAL_IDS = ["2607.00001", "2607.00002", "2607.00003"]
CONTROL_ID = "2607.00010"
FUTURE_ID = "2503.70003"
UNSAFE_ID = "doi:10.1000/unsafe-links"
CONTROL_TITLE = "Vertical\x0btabs and a NUL\x00 in a title"
SCRIPT = "javascript:alert(1)"


def papers() -> list[Paper]:
    when = datetime(2026, 6, 30, 17, 0, tzinfo=UTC)
    normal = [
        Paper(
            id=paper_id,
            title=f"Sparse attention for long documents, part {n}",
            abstract="We study sparse attention in transformers over long documents.",
            authors=[Author("Ada Lovelace")],
            categories=["cs.CL"],
            published_at=when,
            feed_dates=[FeedDate(DAY if n > 1 else EARLIER, "arxiv")],
            upvotes=n,
            sources=["test"],
        )
        for n, paper_id in enumerate(NORMAL_IDS, start=1)
    ]
    return [
        *normal,
        Paper(
            id=CONTROL_ID,
            title=CONTROL_TITLE,
            abstract="An abstract with \x01 and \x1b[31m escapes in sparse attention.",
            authors=[Author("Mallory\x07 Bell")],
            categories=["cs.CL", "cs\x00.XX"],
            published_at=when,
            feed_dates=[FeedDate(DAY, "arxiv")],
            sources=["test"],
        ),
        Paper(
            id=FUTURE_ID,
            title="t",
            abstract="s",
            feed_dates=[FeedDate(FAR_FUTURE, "arxiv")],
            abs_url=SCRIPT,
            pdf_url="javascript:alert(2)",
            project_page="javascript:alert(3)",
            github_repo="javascript:alert(4)",
            sources=["test"],
        ),
        Paper(
            id=UNSAFE_ID,
            title="A paper whose links are all scripts",
            abstract="Sparse attention, with links that must never be shown.",
            categories=["cs.CL"],
            published_at=when,
            feed_dates=[FeedDate(DAY, "hf-daily")],
            abs_url=SCRIPT,
            pdf_url="JavaScript:alert(2)",
            project_page="data:text/html,<script>alert(3)</script>",
            github_repo="java\tscript:alert(4)",
            sources=["test"],
        ),
    ]


@dataclass(frozen=True, slots=True)
class Site:
    store: Store
    app: FastAPI
    client: TestClient


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("hostile")
    with isolated(folder):
        settings = Settings(
            database_url=f"sqlite:///{folder / 'paperwire.db'}", index_dir=str(folder / "index")
        )
    store = open_store(settings.database_url)
    store.migrate()
    store.upsert_papers(papers())  # straight in: no import gate on the way
    update_index(store, settings)
    app = create_app(settings, store)
    yield Site(store, app, TestClient(app, raise_server_exceptions=False))
    store.close()


@pytest.fixture
def client(site: Site) -> TestClient:
    return site.client


# -- what each parameter accepts ------------------------------------------------------------

HOSTILE = [
    "",
    "x",
    "-1",
    "0",
    "1e3",
    "true",
    "99999999999999999999",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "２０２６-07-01",  # fullwidth digits
    "2026-07-01\n",
    "2026-W99",
    "a\x00b",
    "a\x1bb",
    "\u202eevil",
    "<script>",
    "%",
    "x" * 10_000,
]
TEXT = {v for v in HOSTILE if v and "\x00" not in v and "\x1b" not in v and len(v) < 500}
#: The hostile values each kind of parameter accepts; every other one (but "", which
#: means "not given" on pages) must be refused naming the parameter. None: anything goes.
ACCEPTS: dict[str, set[str] | None] = {
    "day": set(),
    "week": set(),
    "month": set(),
    "choice": set(),
    "page": set(),
    "limit": set(),
    "offset": {"0"},
    "category": {"x", "true"},
    "query": TEXT,
    "flag": {"0", "true"},
    "free": None,
}


@dataclass(frozen=True, slots=True)
class Probe:
    path: str  # a path of the app (as routes declare it), or the address to request
    kind: str  # "page", "feed", "v1" or "hf": how a refusal looks
    params: dict[str, str]  # parameter -> kind of value
    base: str = ""  # a query every request carries (a required parameter)
    url: str = ""  # the address, when it differs from ``path``

    @property
    def address(self) -> str:
        return self.url or self.path


DAY_PARAMS = {"date": "day", "week": "week", "month": "month"}
LIMIT = {"limit": "limit"}
PROBES = [
    Probe("/", "page", DAY_PARAMS | {"category": "category", "page": "page", "order": "choice"}),
    Probe("/trending", "page", {"window": "choice", "at": "day", "page": "page"}),
    Probe(
        "/search",
        "page",
        {
            "q": "query",
            "mode": "choice",
            "category": "category",
            "since": "day",
            "until": "day",
            "has_code": "flag",
            "page": "page",
        },
        base="q=attention",
    ),
    Probe("/papers/{paper_id:path}", "page", {"sort": "choice"}, url=f"/papers/{NORMAL_IDS[0]}"),
    Probe("/discussion/queue", "page", {}),
    Probe("/discussion/unfollow", "page", {"token": "free"}),
    Probe(
        "/feeds/discussion/{paper_id:path}.atom",
        "feed",
        {},
        url=f"/feeds/discussion/{NORMAL_IDS[0]}.atom",
    ),
    Probe("/subscribe", "page", {}),
    Probe("/subscribe/confirm", "page", {"token": "free"}),
    Probe("/subscribe/preferences", "page", {"token": "free"}),
    Probe("/subscribe/unsubscribe", "page", {"token": "free"}),
    Probe("/login", "page", {}),
    Probe("/login/confirm", "page", {"token": "free"}),
    Probe("/me", "page", {}),
    Probe("/submit", "page", {}),
    Probe("/healthz", "page", {}),
    Probe("/metrics", "page", {}),
    Probe("/openapi.json", "page", {}),
    *[
        Probe(
            f"/feeds/daily.{kind}",
            "feed",
            {"date": "day", "category": "category", "limit": "limit"},
        )
        for kind in ("atom", "rss")
    ],
    *[
        Probe(
            f"/feeds/trending.{kind}", "feed", {"window": "choice", "at": "day", "limit": "limit"}
        )
        for kind in ("atom", "rss")
    ],
    *[
        Probe(
            f"/feeds/search.{kind}",
            "feed",
            {"q": "query", "mode": "choice", "limit": "limit"},
            base="q=attention",
        )
        for kind in ("atom", "rss")
    ],
    Probe(
        "/api/v1/papers",
        "v1",
        DAY_PARAMS | {"category": "category", "limit": "limit", "offset": "offset"},
    ),
    Probe("/api/v1/papers/{paper_id:path}", "v1", {}, url=f"/api/v1/papers/{NORMAL_IDS[0]}"),
    Probe(
        "/api/v1/papers/{paper_id:path}/comments",
        "v1",
        {"sort": "choice"},
        url=f"/api/v1/papers/{NORMAL_IDS[0]}/comments",
    ),
    Probe(
        "/api/v1/papers/{paper_id:path}/similar",
        "v1",
        {"limit": "limit"},
        url=f"/api/v1/papers/{NORMAL_IDS[0]}/similar",
    ),
    Probe(
        "/api/v1/search",
        "v1",
        {
            "q": "query",
            "mode": "choice",
            "limit": "limit",
            "offset": "offset",
            "category": "category",
            "since": "day",
            "until": "day",
            "has_code": "flag",
        },
        base="q=attention",
    ),
    Probe(
        "/api/v1/trending",
        "v1",
        {"window": "choice", "at": "day", "limit": "limit", "offset": "offset"},
    ),
    Probe(
        "/api/daily_papers",
        "hf",
        DAY_PARAMS | {"p": "offset", "limit": "limit", "submitter": "free", "sort": "choice"},
    ),
    Probe("/api/papers/search", "hf", {"q": "query", "limit": "limit"}),
    Probe("/api/papers/{arxiv_id:path}", "hf", {}, url=f"/api/papers/{NORMAL_IDS[0]}"),
    # A reader's pages: signed out, the values are checked before the sign-in redirect.
    Probe("/top-recent", "page", {}),
    Probe("/for-you", "page", {"since": "day"}),
    Probe("/library", "page", {}),
    Probe("/library/hidden", "page", {"page": "page"}),
    Probe("/library/export", "page", {"format": "choice", "list": "page"}),
    Probe("/library/{list_id}", "page", {"page": "page"}, url="/library/1"),
    Probe("/lists/{list_id}", "page", {"page": "page"}, url="/lists/1"),
    *[
        Probe(f"/feeds/lists/{{list_id}}.{kind}", "feed", {}, url=f"/feeds/lists/1.{kind}")
        for kind in ("atom", "rss")
    ],
    # The reader's API answers 401 before reading a value (tests/api/test_library_api.py
    # checks its values signed in).
    Probe("/library/interests", "v1", {}, url="/api/v1/library/interests"),
    Probe("/library/lists/{list_id}", "v1", {}, url="/api/v1/library/lists/1"),
    Probe(
        "/library/lists/{list_id}/recommendations",
        "v1",
        {},
        url="/api/v1/library/lists/1/recommendations",
    ),
    Probe("/library/papers/{paper_id:path}", "v1", {}, url="/api/v1/library/papers/2401.00001"),
    Probe("/recommendations", "v1", {}, url="/api/v1/recommendations"),
]
PAPER_ROUTES = [p for p in PROBES if ("paper_id" in p.path or "arxiv_id" in p.path)]
PAPER_ROUTES = [p for p in PAPER_ROUTES if not p.path.startswith("/library")]


def get_routes(routes: list[BaseRoute]) -> Iterator[str]:
    """The paths of every route that answers GET (included routers opened up)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from get_routes(inner.routes)
        elif isinstance(route, Route) and "GET" in (route.methods or ()):
            yield route.path
        elif not isinstance(route, Mount):
            methods = getattr(route, "methods", None)
            if methods and "GET" in methods:
                yield str(route.path)


def test_every_get_route_is_probed(site: Site) -> None:
    assert set(get_routes(site.app.router.routes)) == {p.path for p in PROBES}


def refusal(probe: Probe, response_status: int, body: str, name: str) -> str | None:
    """What is wrong with the answer to a refused value; None when it is right."""
    if response_status != 400:
        return f"status {response_status}"
    if probe.kind == "page":
        soup = BeautifulSoup(body, "html.parser")
        if soup.h1 is None or f"“{name}”" not in soup.h1.get_text():
            return f"no heading naming {name}: {body[:200]!r}"
    elif f"{name}:" not in body:
        return f"no message naming {name}: {body[:200]!r}"
    return None


PARAMS = [(probe, name) for probe in PROBES for name in probe.params]


@pytest.mark.parametrize(
    ("probe", "name"), PARAMS, ids=[f"{p.address} {name}" for p, name in PARAMS]
)
def test_hostile_values(client: TestClient, probe: Probe, name: str) -> None:
    accepts = ACCEPTS[probe.params[name]]
    wrong = []
    for value in HOSTILE:
        query = f"{probe.base}&" if probe.base else ""
        if probe.base.startswith(f"{name}="):
            query = ""
        url = f"{probe.address}?{query}{name}={quote(value, safe='')}"
        response = client.get(url, follow_redirects=False)
        if response.status_code >= 500:
            wrong.append(f"{value[:20]!r}: {response.status_code}")
        elif accepts is not None and value and value not in accepts:
            problem = refusal(probe, response.status_code, response.text, name)
            if problem:
                wrong.append(f"{value[:20]!r}: {problem}")
    assert not wrong, wrong


HOSTILE_IDS = [
    ("a%00b", True),
    ("a%1Bb", True),
    ("x" * 300, True),
    ("..%2F..%2Fetc%2Fpasswd", False),
    ("%E2%80%AEevil", False),
    ("2503.12345v99999999999999999999", False),
    ("9999.99999", False),
    ("%FF%FE", False),
    ("doi:10.1000/%3Cscript%3E", False),
]


@pytest.mark.parametrize("probe", PAPER_ROUTES, ids=[p.path for p in PAPER_ROUTES])
def test_hostile_paper_ids(client: TestClient, probe: Probe) -> None:
    name = probe.path.split("{")[1].split(":")[0]
    name = "id" if probe.kind == "page" else name
    wrong = []
    for raw, refused in HOSTILE_IDS:
        url = probe.address.replace(NORMAL_IDS[0], raw)
        response = client.get(url, follow_redirects=False)
        if response.status_code >= 500:
            wrong.append(f"{raw[:20]}: {response.status_code}")
        elif refused:
            problem = refusal(probe, response.status_code, response.text, name)
            if problem:
                wrong.append(f"{raw[:20]}: {problem}")
        elif response.status_code not in (200, 301, 404, 503):
            wrong.append(f"{raw[:20]}: {response.status_code}")
    assert not wrong, wrong


@pytest.mark.parametrize(
    "url",
    [
        "/?date=9999-12-31",
        "/?week=9999-W52",
        "/?month=9999-12",
        "/trending?at=9999-12-31",
        "/trending?at=9999-12-31&window=day",
        "/feeds/daily.atom?date=9999-12-31",
        "/feeds/trending.atom?at=9999-12-31",
        "/feeds/search.atom?q=a%00b",
        "/feeds/search.atom?q=a%01b",
        "/feeds/search.atom?q=a%1bb",
        "/feeds/search.rss?q=a%00b",
        "/feeds/daily.atom?category=cs%00",
        "/api/v1/papers?date=9999-12-31",
        "/api/daily_papers?month=9999-12",
    ],
)
def test_the_reported_addresses_are_400(client: TestClient, url: str) -> None:
    name = url.split("?")[1].split("=")[0]
    response = client.get(url)
    assert response.status_code == 400, response.text
    assert name in response.text


def test_a_query_of_too_many_words_is_refused(client: TestClient) -> None:
    words = " ".join(["sparse"] * 65)  # 454 characters: the words, not the length
    for url in ("/search", "/feeds/search.atom", "/api/v1/search", "/api/papers/search"):
        response = client.get(url, params={"q": words})
        assert response.status_code == 400, url
        assert "at most 64 words" in response.text, url
    assert client.get("/search", params={"q": " ".join(["sparse"] * 64)}).status_code == 200


# -- HEAD -------------------------------------------------------------------------------------

HEAD_URLS = [
    *[p.address + (f"?{p.base}" if p.base else "") for p in PROBES],
    "/subscribe/confirm?token=x",
    "/?date=2026-02-30",
    "/papers/9999.99999",
    "/feeds/daily.atom?limit=0",
    "/static/paperwire.css",
]
VARYING = {"content-security-policy", "date", "set-cookie"}


@pytest.mark.parametrize("url", HEAD_URLS)
def test_head_answers_as_get_without_body(client: TestClient, url: str) -> None:
    got = client.get(url, follow_redirects=False)
    head = client.head(url, follow_redirects=False)
    assert head.status_code == got.status_code != 405
    assert head.content == b""
    varying = VARYING | ({"content-length"} if url == "/metrics" else set())  # it counts
    same = {k: v for k, v in got.headers.items() if k not in varying}
    assert {k: v for k, v in head.headers.items() if k not in varying} == same


def test_head_of_a_post_only_route_is_405(client: TestClient) -> None:
    response = client.head("/logout")
    assert response.status_code == 405 and response.content == b""


# -- records the gate would refuse, already stored --------------------------------------------

LISTINGS = [
    "/",
    "/trending",
    "/trending?window=day",
    f"/?date={DAY}",
    "/?week=2026-W27",
    "/?month=2026-07",
    "/search?q=sparse+attention",
]
FEEDS = [
    "/feeds/daily.atom",
    "/feeds/daily.rss",
    f"/feeds/daily.atom?date={DAY}",
    f"/feeds/daily.rss?date={DAY}",
    "/feeds/trending.atom",
    "/feeds/trending.rss",
    "/feeds/search.atom?q=sparse+attention",
    "/feeds/search.rss?q=sparse+attention",
]
APIS = [
    "/api/daily_papers",
    "/api/daily_papers?sort=trending",
    "/api/v1/trending",
    "/api/v1/papers",
    f"/api/v1/papers?date={DAY}",
    "/api/papers/search?q=sparse",
]
UNSAFE = re.compile(r"(?i)^\s*(javascript|data|vbscript):|^\s*java\s*script:")


def links_of(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    found = [str(a["href"]) for a in soup.find_all(href=True)]
    found += [str(m["content"]) for m in soup.find_all("meta") if "url" in str(m.get("name"))]
    return found


@pytest.mark.parametrize("url", LISTINGS)
def test_pages_stand_up_to_stored_bad_records(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, url
    assert not [h for h in links_of(response.text) if UNSAFE.match(h)]
    assert "9999" not in response.text  # the far-future day is no neighbour, no link


def test_the_latest_day_skips_a_far_future_record(client: TestClient) -> None:
    soup = BeautifulSoup(client.get("/").text, "html.parser")
    shown = {str(c["data-paper"]) for c in soup.select("article.card")}
    assert shown == {NORMAL_IDS[1], NORMAL_IDS[2], CONTROL_ID, UNSAFE_ID}
    assert client.get("/api/v1/trending").json()["at"] == DAY.isoformat()
    assert [i["paper"]["id"] for i in client.get("/api/daily_papers").json()]


@pytest.mark.parametrize("paper_id", [FUTURE_ID, UNSAFE_ID, CONTROL_ID])
def test_paper_pages_show_no_unsafe_link(client: TestClient, paper_id: str) -> None:
    response = client.get(f"/papers/{paper_id}")
    assert response.status_code == 200
    links = links_of(response.text)
    assert not [h for h in links if UNSAFE.match(h)], links
    assert "javascript:" not in response.text.lower()
    if paper_id == FUTURE_ID:  # no stored link is safe: arXiv's own pages stand in
        assert f"https://arxiv.org/abs/{FUTURE_ID}" in links
        assert f"https://arxiv.org/pdf/{FUTURE_ID}" in links
        assert "?date=9999" not in response.text


@pytest.mark.parametrize("url", FEEDS)
def test_feeds_stand_up_to_stored_bad_records(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, url
    assert "javascript:" not in response.text.lower()
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    for entry in feed.entries:
        assert not [link.href for link in entry.links if UNSAFE.match(link.href)]


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_a_control_character_leaves_its_entry_in_the_feed(client: TestClient, kind: str) -> None:
    feed = feedparser.parse(client.get(f"/feeds/daily.{kind}?date={DAY}").content)
    titles = {entry.title for entry in feed.entries}
    assert "Verticaltabs and a NUL in a title" in titles
    assert len(feed.entries) == 4  # every paper of the day, the bad ones too


@pytest.mark.parametrize("url", APIS)
def test_apis_stand_up_to_stored_bad_records(client: TestClient, url: str) -> None:
    assert client.get(url).status_code == 200, url
