"""``create_app(settings, store)``: wiring only; every route lives in its own module."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from paperwire import __version__
from paperwire.api import community, discussion, hf, routes, subscriptions
from paperwire.config import Settings
from paperwire.errors import StoreBusy
from paperwire.feeds import discussion as discussion_feeds
from paperwire.feeds import lists as list_feeds
from paperwire.feeds import routes as feed_routes
from paperwire.http.deps import app_secret, get_user, has_upvoted, open_searcher
from paperwire.store import Store, open_store
from paperwire.web import ops
from paperwire.web.busy import store_busy_page
from paperwire.web.csrf import install_csrf
from paperwire.web.head import install_head
from paperwire.web.middleware import install_middleware
from paperwire.web.pages import ROUTERS
from paperwire.web.pages.common import http_error_page
from paperwire.web.pages.library_routes import LIBRARY_ROUTERS
from paperwire.web.pages.reading import is_saved, library_entry, reader_lists
from paperwire.web.redirects import login_url
from paperwire.web.templates import make_templates

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("paperwire.web")


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    settings = settings or Settings()
    owns_store = store is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        warm_up(app)
        yield
        if owns_store:
            app.state.store.close()

    app = FastAPI(
        title="paperwire",
        version=__version__,
        description="Papers, search, trending and feeds of a paperwire server.",
        lifespan=lifespan,
        docs_url=None,  # the interactive docs need a CDN and inline script; /openapi.json stays
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = store or open_store(settings.database_url, create=True)
    if owns_store:
        app.state.store.migrate()
    app.state.templates = make_templates(settings)
    app.state.templates.env.globals.update(
        current_user=get_user,
        has_upvoted=has_upvoted,
        login_url=login_url,
        library_entry=library_entry,
        is_saved=is_saved,
        reader_lists=reader_lists,
    )
    app.state.searcher = None
    install_csrf(app)  # inside the response cache, which sees its no-store answers
    install_middleware(app)
    install_head(app)  # outermost: HEAD answered as GET without the body
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    app.add_exception_handler(HTTPException, http_error_page)
    app.add_exception_handler(StoreBusy, store_busy_page)  # 503 + Retry-After
    for router in ROUTERS:
        app.include_router(router)
    for router in LIBRARY_ROUTERS:
        app.include_router(router)
    app.include_router(discussion.router)  # before routes' /papers/{id:path}
    app.include_router(routes.router)
    app.include_router(community.router)
    app.include_router(subscriptions.router)
    app.include_router(hf.router)
    app.include_router(feed_routes.router)
    app.include_router(list_feeds.router)
    app.include_router(discussion_feeds.router)
    app.include_router(ops.router)
    build_routes(app)
    return app


def warm_up(app: FastAPI) -> None:
    """Open the search indexes and load the query model before the first request.

    Read routes run in the event loop, so a first search that loaded them (a second or
    more) would hold every other request of this process behind it. The signing key is
    read (or, once per database, written) here too, not in a reader's first request."""
    try:
        app_secret(app)
    except Exception as exc:  # busy or failing: the first request that needs it tries again
        log.warning("the signing key could not be read at start: %s: %s", type(exc).__name__, exc)

    searcher = open_searcher(app.state)
    if searcher is not None:
        searcher.search("warm up", limit=1)


def build_routes(app: FastAPI) -> None:
    """Build every route's parameter models now, in this one thread.

    FastAPI builds them on a route's first match. Building silences one pydantic warning
    with ``warnings.catch_warnings``, which swaps process-wide state and so is not safe
    across threads: first requests arriving in several threads at once could see the
    warning escape as an error. Matching a path that no route serves visits every route;
    the OpenAPI schema builds the fields of the parameter models (``SearchIn``, ...).
    """
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/\x00",
        "root_path": "",
        "query_string": b"",
        "headers": [],
    }
    for route in app.router.routes:
        route.matches(scope)
    app.openapi()
