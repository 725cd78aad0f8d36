"""Atom and RSS feeds: the day's papers, trending papers, and search results.

Every feed exists as ``.atom`` (Atom 1.0) and ``.rss`` (RSS 2.0). Answers carry an
``ETag`` (a hash of the body) and a ``Last-Modified`` (the newest paper in the feed) and
are 304 Not Modified for a matching ``If-None-Match`` or, without one, an
``If-Modified-Since`` not older than the newest paper, so feed readers poll cheaply.
A parameter that cannot be used is a 400 whose plain-text body names it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Coroutine, Mapping
from email.utils import format_datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response

from paperwire.config import Settings
from paperwire.feeds.atom import KINDS, MEDIA_TYPES, FeedInfo, Kind, feed_updated, render_feed
from paperwire.http.conditional import is_not_modified
from paperwire.http.deps import SearcherDep, SettingsDep, StoreDep
from paperwire.http.params import (
    BadParam,
    answering_errors,
    latest_day,
    parse_category,
    parse_day,
    parse_query,
    ranking_day,
    shown,
)
from paperwire.models import Paper
from paperwire.rank.trending import WINDOW_DAYS, trending_scores


def plain_error(status: int, message: str, headers: Mapping[str, str] | None) -> Response:
    """Every error of a feed as plain text (``limit: Input should be ...``): a bad
    parameter is a 400 naming it, never a server error and never markup."""
    return PlainTextResponse(f"{message}\n", status_code=status, headers=headers)


router = APIRouter(prefix="/feeds", tags=["feeds"], route_class=answering_errors(plain_error))

CACHE_CONTROL = "public, max-age=300"
WINDOW_TITLES = {"day": "today", "week": "this week", "month": "this month"}
SEARCH_UNAVAILABLE = (
    "Search is not available yet: the search index has not been built. "
    "Run `paperwire index` (or `paperwire up`) and try again.\n"
)


def _kind(request: Request) -> Kind:
    return "rss" if request.url.path.endswith(".rss") else "atom"


def _self_url(request: Request, settings: Settings) -> str:
    url = f"{settings.base_url.rstrip('/')}{request.url.path}"
    return f"{url}?{request.url.query}" if request.url.query else url


def _page_url(settings: Settings, path: str, **params: str | None) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    base = f"{settings.base_url.rstrip('/')}{path}"
    return f"{base}?{query}" if query else base


def feed_response(
    request: Request,
    settings: Settings,
    *,
    title: str,
    subtitle: str,
    page_url: str,
    papers: list[Paper],
) -> Response:
    """The feed of ``papers`` in the format the path asks for, or 304 Not Modified."""
    kind = _kind(request)
    info = FeedInfo(title, subtitle, _self_url(request, settings), page_url)
    body = render_feed(kind, info, papers, base_url=settings.base_url)
    etag = f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    last_modified = feed_updated(papers) if papers else None
    if last_modified is not None:
        headers["Last-Modified"] = format_datetime(last_modified, usegmt=True)
    if is_not_modified(request.headers, etag, last_modified):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=MEDIA_TYPES[kind], headers=headers)


async def daily(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    date: Annotated[
        str | None, Query(description="The day (YYYY-MM-DD); default: the latest day.")
    ] = None,
    category: Annotated[str | None, Query(description="Only this category, e.g. cs.CL.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> Response:
    """The papers of one day (like the front page), newest first."""
    day = parse_day("date", date) or latest_day(store)
    category = parse_category(category)
    papers = store.list_papers(day=day, category=category, limit=limit) if day else []
    where = f" in {category}" if category else ""
    when = day.isoformat() if day else "no day yet"
    return feed_response(
        request,
        settings,
        title=f"paperwire: papers of {when}{where}",
        subtitle=f"New papers of {when}{where}, newest first.",
        page_url=_page_url(settings, "/", date=day.isoformat() if day else None),
        papers=papers,
    )


async def trending(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    window: Annotated[
        str, Query(description="day, week or month, counted back from the latest day.")
    ] = "week",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    at: Annotated[
        str | None, Query(description="The ranking as it stood on this day (YYYY-MM-DD).")
    ] = None,
) -> Response:
    """The trending papers of a window, most trending first."""
    if window not in WINDOW_DAYS:
        raise BadParam("window", f"expected day, week or month, got {shown(window)}")
    day = parse_day("at", at)
    ranked_on = day or ranking_day(store)
    papers = (
        [
            paper
            for paper, _ in trending_scores(
                store, window=window, at=ranked_on, limit=limit, settings=settings
            )
        ]
        if ranked_on
        else []
    )
    return feed_response(
        request,
        settings,
        title=f"paperwire: trending {WINDOW_TITLES[window]}",
        subtitle=f"The papers trending {WINDOW_TITLES[window]}, by upvotes and code stars.",
        page_url=_page_url(
            settings, "/trending", window=window, at=day.isoformat() if day else None
        ),
        papers=papers,
    )


async def search(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    searcher: SearcherDep,
    q: Annotated[str, Query(min_length=1, max_length=500, description="The query.")],
    mode: Annotated[Literal["hybrid", "keyword", "semantic"], Query()] = "hybrid",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """Papers matching a query, best first: subscribe to a search."""
    q = parse_query(q)
    if searcher is None:
        return PlainTextResponse(SEARCH_UNAVAILABLE, status_code=503)
    hits = searcher.search(q, mode=mode, limit=limit)
    found = store.get_papers([hit.paper_id for hit in hits])
    papers = [found[hit.paper_id] for hit in hits if hit.paper_id in found]
    return feed_response(
        request,
        settings,
        title=f"paperwire: search {q!r}",
        subtitle=f"Papers matching {q!r}, best first.",
        page_url=_page_url(settings, "/search", q=q),
        papers=papers,
    )


_FEED_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The feed.",
        "content": {MEDIA_TYPES["atom"]: {}, MEDIA_TYPES["rss"]: {}},
    },
    304: {"description": "Not modified since the ETag or date the request sent."},
    # "4XX" also keeps FastAPI from describing a 422 that feeds never send.
    "4XX": {
        "description": "A parameter that cannot be used (400), as plain text naming it.",
        "content": {"text/plain": {}},
    },
}
_NAMES = {"atom": "Atom", "rss": "RSS"}
_FEEDS: list[tuple[str, Callable[..., Coroutine[Any, Any, Response]], str]] = [
    ("daily", daily, "Daily papers"),
    ("trending", trending, "Trending papers"),
    ("search", search, "Search results"),
]

for _name, _endpoint, _summary in _FEEDS:
    for _kind_name in KINDS:
        responses = dict(_FEED_RESPONSES)
        if _name == "search":
            responses[503] = {"description": "The search index has not been built yet."}
        router.add_api_route(
            f"/{_name}.{_kind_name}",
            _endpoint,
            methods=["GET"],
            name=f"feed_{_name}_{_kind_name}",
            summary=f"{_summary} ({_NAMES[_kind_name]})",
            response_class=Response,
            responses=responses,
        )
