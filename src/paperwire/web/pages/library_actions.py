"""The library buttons of papers: save and remove (``POST /library/save``), "not
interested" (``/library/hide``), read (``/library/read``) and a private note
(``/library/note``).

Each is a plain form (a CSRF token, no JavaScript needed) that goes back to the page it
came from (``next``, else the page in ``Referer``, else the paper's page).
``static/library.js`` sends the same forms with ``Accept: application/json`` and gets
the paper's state back instead, so a button changes in place. Signed out, a form goes
to sign-in and back. A field that cannot be used is a 400 naming it; an unknown paper or
list a 404; nothing is half-done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from paperwire import library
from paperwire.accounts import User
from paperwire.http.deps import NowDep, StoreDep, TemplatesDep, UserDep
from paperwire.http.params import BadParam, parse_list_id
from paperwire.library import LibraryError, NoSuchList
from paperwire.links import paper_url
from paperwire.models import Paper
from paperwire.store import Store
from paperwire.store.base_library import DEFAULT_LIST
from paperwire.web.pages.common import error_page
from paperwire.web.pages.reading import (
    entry_json,
    parse_action,
    parse_paper_field,
)
from paperwire.web.pages.submit import same_site_path, sign_in_first
from paperwire.web.redirects import safe_next

router = APIRouter(include_in_schema=False)

Field = Annotated[str, Form()]


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def back_to(request: Request, next_: str, fallback: str) -> str:
    """Where a form goes back to: ``next`` when it is a page of this site, else the page
    it was sent from, else ``fallback``."""
    referer = same_site_path(request.headers.get("referer", ""), str(request.base_url))
    return safe_next(next_) or referer or fallback


def refuse(
    request: Request, templates: Jinja2Templates, status: int, title: str, message: str
) -> Response:
    if wants_json(request):
        return JSONResponse({"detail": message}, status_code=status)
    return error_page(request, templates, status, title, message)


def bad_field(request: Request, templates: Jinja2Templates, error: BadParam) -> Response:
    return refuse(request, templates, 400, f"Bad field “{error.name}”", str(error))


def signed_out(request: Request, next_: str, paper: str = "") -> Response:
    if wants_json(request):
        return JSONResponse({"detail": "sign in first"}, status_code=401)
    fallback = paper_url(paper) if paper and not safe_next(next_) else "/"
    return sign_in_first(back_to(request, next_, fallback))


def done(request: Request, paper: Paper, next_: str) -> Response:
    if wants_json(request):
        return JSONResponse(entry_json(request, paper.id))
    return RedirectResponse(back_to(request, next_, paper_url(paper)), status_code=303)


Change = Callable[[Store, User, Paper], object]


def change_paper(
    request: Request,
    store: Store,
    templates: Jinja2Templates,
    user: User | None,
    *,
    paper: str,
    next_: str,
    check: Callable[[], object],
    change: Change,
) -> Response:
    """The steps every button shares: signed in, fields checked (``check`` raises
    ``BadParam``), the paper stored, the change made, the answer."""
    if user is None:
        return signed_out(request, next_, paper)
    try:
        paper_id = parse_paper_field(paper)
        check()
    except BadParam as error:
        return bad_field(request, templates, error)
    found = store.get_paper(paper_id)
    if found is None:
        return refuse(
            request, templates, 404, "Paper not found", f"There is no paper {paper_id!r}."
        )
    try:
        change(store, user, found)
    except NoSuchList as error:
        return refuse(request, templates, 404, "List not found", str(error))
    except LibraryError as error:
        return refuse(request, templates, 400, "Not saved", str(error))
    return done(request, found, next_)


@router.post("/library/save")
def save_paper(
    request: Request,
    store: StoreDep,
    templates: TemplatesDep,
    user: UserDep,
    now: NowDep,
    paper: Field = "",
    action: Field = "",
    list_ref: Annotated[str, Form(alias="list")] = "",
    new_list: Field = "",
    next: Field = "",
) -> Response:
    """Add the paper to a list (``list``: its number; ``new_list``: a name, made when the
    reader has no list of that name; neither: the default list), or take it out."""

    def check() -> None:
        parse_action(action)
        if list_ref:
            parse_list_id(list_ref)

    def change(store: Store, user: User, found: Paper) -> None:
        adding = parse_action(action)
        if adding and new_list.strip():
            name = new_list
        elif list_ref:
            name = library.find_reader_list(store, user.id, parse_list_id(list_ref)).name
        else:
            name = DEFAULT_LIST
        if adding:
            library.save(store, user.id, [found.id], list_name=name, now=now)
        elif list_ref or store.find_list(user.id, name) is not None:
            library.remove(store, user.id, [found.id], list_name=name, now=now)

    return change_paper(
        request, store, templates, user, paper=paper, next_=next, check=check, change=change
    )


@router.post("/library/hide")
def hide_paper(
    request: Request,
    store: StoreDep,
    templates: TemplatesDep,
    user: UserDep,
    now: NowDep,
    paper: Field = "",
    action: Field = "",
    next: Field = "",
) -> Response:
    """Mark a paper "not interested" (``action=remove``: take the mark back)."""

    def change(store: Store, user: User, found: Paper) -> None:
        library.hide(store, user.id, [found.id], hidden=parse_action(action), now=now)

    return change_paper(
        request,
        store,
        templates,
        user,
        paper=paper,
        next_=next,
        check=lambda: parse_action(action),
        change=change,
    )


@router.post("/library/read")
def read_paper(
    request: Request,
    store: StoreDep,
    templates: TemplatesDep,
    user: UserDep,
    now: NowDep,
    paper: Field = "",
    action: Field = "",
    next: Field = "",
) -> Response:
    """Mark a paper read (``action=remove``: unread)."""

    def change(store: Store, user: User, found: Paper) -> None:
        library.mark_read(store, user.id, [found.id], read=parse_action(action), now=now)

    return change_paper(
        request,
        store,
        templates,
        user,
        paper=paper,
        next_=next,
        check=lambda: parse_action(action),
        change=change,
    )


@router.post("/library/note")
def note_paper(
    request: Request,
    store: StoreDep,
    templates: TemplatesDep,
    user: UserDep,
    now: NowDep,
    paper: Field = "",
    note: Field = "",
    next: Field = "",
) -> Response:
    """Write the reader's private note on a paper (empty: remove it)."""

    def check() -> None:
        try:
            library.clean_note(note)
        except library.NoteTooLong as error:
            raise BadParam("note", str(error)) from None

    def change(store: Store, user: User, found: Paper) -> None:
        library.set_note(store, user.id, found.id, note, now=now)

    return change_paper(
        request, store, templates, user, paper=paper, next_=next, check=check, change=change
    )
