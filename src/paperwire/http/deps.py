"""What handlers receive: the store, the settings, the searcher, the recommender, the
templates, the signed-in user and the time.

The dependencies are ``async def``: each is a lookup or one short read, so it runs in the
event loop instead of costing a hop to the thread pool (FastAPI runs plain functions
there) on every request."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException, Request
from fastapi.templating import Jinja2Templates

from paperwire.accounts import User
from paperwire.auth.sessions import SESSION_COOKIE, bearer_user, session_user
from paperwire.config import Settings, index_directory
from paperwire.index.search import Searcher
from paperwire.recommend import Recommender
from paperwire.signing import secret_key
from paperwire.store import Store

log = logging.getLogger("paperwire.web")
T = TypeVar("T")
_LOCK = threading.Lock()


async def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_searcher(request: Request) -> Searcher | None:
    """The searcher, opened on first use (or when the app starts); None until
    ``paperwire index`` has run."""
    return open_searcher(request.app.state)


def open_searcher(state: Any) -> Searcher | None:
    """``state.searcher``, opened now if it is not yet; None while there is no index."""
    if state.searcher is None:
        try:
            state.searcher = Searcher(state.store, state.settings)
        except Exception:  # no index yet: pages degrade, they do not fail
            return None
    searcher: Searcher = state.searcher
    return searcher


def recommender(request: Request) -> Recommender:
    """The process's recommender (it keeps what every reader's scoring shares), made on
    first use beside the searcher's keyword index."""
    state = request.app.state
    found: Recommender | None = getattr(state, "recommender", None)
    if found is None:
        with _LOCK:
            found = getattr(state, "recommender", None)
            if found is None:
                searcher = open_searcher(state)
                found = Recommender(
                    state.store,
                    keyword=searcher.keyword if searcher is not None else None,
                    index_dir=index_directory(state.settings),
                )
                state.recommender = found
    return found


def recommending(request: Request, work: Callable[[Recommender], T], fallback: T) -> T:
    """``work(recommender)``, one request at a time (the recommender's caches are shared);
    ``fallback`` when it fails: a page without recommendations, never a broken page."""
    chosen = recommender(request)
    try:
        with _LOCK:
            return work(chosen)
    except Exception as exc:  # missing vectors or models must not take the page down
        log.warning("recommendations failed: %s: %s", type(exc).__name__, exc)
        return fallback


async def get_templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


def get_now(request: Request) -> datetime:
    """The time of this request: ``app.state.clock()`` when set (tests fix the time)."""
    clock: Callable[[], datetime] | None = getattr(request.app.state, "clock", None)
    return clock() if clock is not None else datetime.now(UTC)


def app_secret(app: Any) -> str:
    """The signing key of this app (``PAPERWIRE_SECRET_KEY`` or the one kept in the
    database), looked up once."""
    state = app.state
    key: str | None = getattr(state, "secret", None)
    if key is None:
        key = state.secret = secret_key(state.settings, state.store)
    return key


def get_user(request: Request) -> User | None:
    """The signed-in reader: by ``Authorization: Bearer`` when the header is sent (the
    cookie is then ignored), else by the session cookie; None for anonymous requests."""
    if hasattr(request.state, "user"):
        found: User | None = request.state.user
        return found
    store: Store = request.app.state.store
    user: User | None = None
    authorization = request.headers.get("authorization")
    if authorization is not None:
        user = bearer_user(store, authorization)
    elif cookie := request.cookies.get(SESSION_COOKIE):
        user = session_user(store, cookie=cookie, key=app_secret(request.app), now=get_now(request))
    request.state.user = user
    return user


async def current_user(request: Request) -> User | None:
    """``get_user`` as a dependency (templates call ``get_user`` itself)."""
    return get_user(request)


async def current_time(request: Request) -> datetime:
    """``get_now`` as a dependency."""
    return get_now(request)


def has_upvoted(request: Request, paper_id: str) -> bool:
    """Whether the signed-in reader upvoted the paper (their upvotes are read once per
    request); for the upvote buttons of pages."""
    upvoted: set[str] | None = getattr(request.state, "upvoted", None)
    if upvoted is None:
        user = get_user(request)
        store: Store = request.app.state.store
        upvoted = set(store.upvoted_ids(user.id)) if user is not None else set()
        request.state.upvoted = upvoted
    return paper_id in upvoted


async def require_user(user: Annotated[User | None, Depends(current_user)]) -> User:
    if user is None:
        raise HTTPException(
            401,
            "sign in, or send an API token as `Authorization: Bearer TOKEN`",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


async def require_curator(user: Annotated[User, Depends(require_user)]) -> User:
    if not user.is_curator:
        raise HTTPException(403, "only curators and admins may do this")
    return user


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
SearcherDep = Annotated[Searcher | None, Depends(get_searcher)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
NowDep = Annotated[datetime, Depends(current_time)]
UserDep = Annotated[User | None, Depends(current_user)]
ReaderDep = Annotated[User, Depends(require_user)]
CuratorDep = Annotated[User, Depends(require_curator)]
