"""A signed-in reader's library: ``/library`` (their lists with counts, a new list, import
and export), ``/library/{list}`` (one list: its papers with read marks and notes, rename,
share, delete, and papers like it) and ``/library/hidden`` (papers marked "not
interested", each with its undo). Signed out, each goes to sign-in and back.

A list is named by its number in addresses and forms. A list of another reader is "not
found", never "forbidden": numbers do not tell whose lists exist.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from paperwire import library
from paperwire.accounts import User
from paperwire.http.deps import NowDep, StoreDep, TemplatesDep, UserDep, recommending
from paperwire.http.params import parse_list_id
from paperwire.library import LibraryError, ListNameTaken, NoSuchList
from paperwire.recommend import Recommendation
from paperwire.store import Store
from paperwire.store.base_library import DEFAULT_LIST, MAX_LIST_NAME, ReaderList
from paperwire.web.pages.common import (
    PER_PAGE,
    BadParam,
    bad_param,
    error_page,
    parse_page,
    render,
)
from paperwire.web.pages.reading import (
    data_day,
    days_before,
    keep_entries,
    like_cache,
    remember_entries,
)
from paperwire.web.pages.submit import sign_in_first
from paperwire.web.redirects import here

router = APIRouter(include_in_schema=False)

#: "More like this list": papers of the last days of the listing, this many.
LIKE_DAYS = 14
LIKE_LIMIT = 8
#: Kept per list, so a reader's own papers can be left out of them: this many.
LIKE_KEPT = 40
#: A list's last added papers that describe it.
LIKE_FROM = 200


def list_url(found: ReaderList) -> str:
    return f"/library/{found.id}"


def overview_context(store: Store, user: User) -> dict[str, Any]:
    lists = store.reader_lists(user.id)
    return {
        "me": user,
        "lists": lists,
        "total": sum(lst.count for lst in lists),
        "default_list": DEFAULT_LIST,
        "max_list_name": MAX_LIST_NAME,
        "new_name": "",
        "new_public": False,
        "error": None,
    }


@router.get("/library", response_class=HTMLResponse)
def library_page(
    request: Request, store: StoreDep, templates: TemplatesDep, user: UserDep
) -> Response:
    if user is None:
        return sign_in_first(here(request))
    return render(request, templates, "library.html", overview_context(store, user))


@router.post("/library/lists", response_class=HTMLResponse)
def create_list(
    request: Request,
    store: StoreDep,
    templates: TemplatesDep,
    user: UserDep,
    now: NowDep,
    name: Annotated[str, Form()] = "",
    public: Annotated[str, Form()] = "",
) -> Response:
    if user is None:
        return sign_in_first("/library")
    try:
        made = library.create_list(store, user.id, name, is_public=public == "1", now=now)
    except (LibraryError, ListNameTaken) as error:
        context = overview_context(store, user)
        context.update(new_name=name[: MAX_LIST_NAME * 2], new_public=public == "1", error=error)
        status = 409 if isinstance(error, ListNameTaken) else 400
        return render(request, templates, "library.html", context, status)
    return RedirectResponse(list_url(made), status_code=303)


# -- one list ------------------------------------------------------------------------------


def more_like(
    request: Request, store: Store, found: ReaderList, exclude: set[str], today: date
) -> list[Recommendation]:
    """Recent papers like a list's (``Recommender.like_list``), none of ``exclude``.

    The papers like a list are kept for ``LIKE_SECONDS`` per list as it stands (its count
    and last addition): training a model from a list and scoring two weeks of papers takes
    a few hundred milliseconds, and a shared list's page may be read often."""
    if not found.count:
        return []
    since = days_before(data_day(store, today), LIKE_DAYS)
    key = (found.id, found.count, found.updated_at, since)
    cache = like_cache(request)
    picks = cache.get(key)
    if picks is None:
        ids = store.list_paper_ids(found.id, limit=LIKE_FROM)
        picks = recommending(
            request, lambda rec: rec.like_list(ids, since=since, limit=LIKE_KEPT), None
        )
        if picks is None:  # failed: tried again next time
            return []
        cache.put(key, picks)
    return [p for p in picks if p.paper.id not in exclude][:LIKE_LIMIT]


def list_context(
    request: Request, store: Store, user: User, found: ReaderList, number: int, today: date
) -> dict[str, Any]:
    offset = (number - 1) * PER_PAGE
    shown = library.library_view(
        store, user.id, list_name=found.id, limit=PER_PAGE + 1, offset=offset
    )
    keep_entries(request, [entry for _, entry in shown])
    like = more_like(request, store, found, store.excluded_ids(user.id), today)
    remember_entries(request, [r.paper.id for r in like])
    return {
        "me": user,
        "list": found,
        "papers": [paper for paper, _ in shown[:PER_PAGE]],
        "has_next": len(shown) > PER_PAGE,
        "page": number,
        "rank_start": offset,
        "like": like,
        "is_default": found.name.casefold() == DEFAULT_LIST.casefold(),
        "max_list_name": MAX_LIST_NAME,
        "rename_value": found.name,
        "error": None,
    }


def owned_list(store: Store, user: User, list_id: str) -> ReaderList:
    """The reader's list of that number; ``BadParam`` for no number, ``NoSuchList`` for a
    number that is not one of theirs."""
    return library.find_reader_list(store, user.id, parse_list_id(list_id))


def no_list(request: Request, templates: Jinja2Templates) -> HTMLResponse:
    return error_page(
        request, templates, 404, "List not found", "You have no list at this address."
    )


@router.get("/library/hidden", response_class=HTMLResponse)
def hidden_page(
    request: Request,
    store: StoreDep,
    templates: TemplatesDep,
    user: UserDep,
    page: str | None = None,
) -> Response:
    try:  # parameters first: a bad one is a 400 signed in or not
        number = parse_page(page)
    except BadParam as error:
        return bad_param(request, templates, error)
    if user is None:
        return sign_in_first(here(request))
    offset = (number - 1) * PER_PAGE
    shown = library.library_view(store, user.id, only="hidden", limit=PER_PAGE + 1, offset=offset)
    keep_entries(request, [entry for _, entry in shown])
    context = {
        "me": user,
        "papers": [paper for paper, _ in shown[:PER_PAGE]],
        "has_next": len(shown) > PER_PAGE,
        "page": number,
    }
    return render(request, templates, "library_hidden.html", context)


@router.get("/library/{list_id}", response_class=HTMLResponse)
def list_page(
    request: Request,
    list_id: str,
    store: StoreDep,
    templates: TemplatesDep,
    user: UserDep,
    now: NowDep,
    page: str | None = None,
) -> Response:
    try:  # parameters first: a bad one is a 400 signed in or not
        number = parse_page(page)
        wanted = parse_list_id(list_id)
    except BadParam as error:
        return bad_param(request, templates, error)
    if user is None:
        return sign_in_first(here(request))
    try:
        found = library.find_reader_list(store, user.id, wanted)
    except NoSuchList:
        return no_list(request, templates)
    context = list_context(request, store, user, found, number, now.date())
    return render(request, templates, "library_list.html", context)


@router.post("/library/{list_id}/rename", response_class=HTMLResponse)
def rename_list(
    request: Request,
    list_id: str,
    store: StoreDep,
    templates: TemplatesDep,
    user: UserDep,
    now: NowDep,
    name: Annotated[str, Form()] = "",
) -> Response:
    if user is None:
        return sign_in_first("/library")
    try:
        found = owned_list(store, user, list_id)
    except BadParam as error:
        return bad_param(request, templates, error)
    except NoSuchList:
        return no_list(request, templates)
    try:
        renamed = library.rename_list(store, user.id, found.id, name)
    except (LibraryError, ListNameTaken) as error:
        context = list_context(request, store, user, found, 1, now.date())
        context.update(rename_value=name[: MAX_LIST_NAME * 2], error=error)
        status = 409 if isinstance(error, ListNameTaken) else 400
        return render(request, templates, "library_list.html", context, status)
    return RedirectResponse(list_url(renamed), status_code=303)


@router.post("/library/{list_id}/share")
def share_list(
    request: Request,
    list_id: str,
    store: StoreDep,
    templates: TemplatesDep,
    user: UserDep,
    public: Annotated[str, Form()] = "",
) -> Response:
    """``public=1`` shares the list (a page and a feed anyone may read), else private."""
    if user is None:
        return sign_in_first("/library")
    try:
        found = owned_list(store, user, list_id)
        if public not in ("0", "1"):
            raise BadParam("public", "expected 1 (share) or 0 (private)")
    except BadParam as error:
        return bad_param(request, templates, error)
    except NoSuchList:
        return no_list(request, templates)
    library.set_public(store, user.id, found.id, public == "1")
    return RedirectResponse(list_url(found), status_code=303)


@router.post("/library/{list_id}/delete")
def delete_list(
    request: Request,
    list_id: str,
    store: StoreDep,
    templates: TemplatesDep,
    user: UserDep,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Delete a list (its papers' marks and notes stay); the default list is emptied.
    The form's box ``confirm=1`` must be ticked."""
    if user is None:
        return sign_in_first("/library")
    try:
        found = owned_list(store, user, list_id)
        if confirm != "1":
            raise BadParam("confirm", "tick the box to say you mean it")
    except BadParam as error:
        return bad_param(request, templates, error)
    except NoSuchList:
        return no_list(request, templates)
    library.delete_list(store, user.id, found.id)
    return RedirectResponse("/library", status_code=303)
