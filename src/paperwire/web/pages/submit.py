"""``/submit``: put a paper on today's daily feed by its arXiv id or address; and the
form fallback of the upvote button (``POST /upvote``) for browsers without JavaScript.

Signed out, both send the reader to sign in and back: ``/submit`` comes back with the
address typed so far (``/submit?paper=...``), an upvote comes back to the page it was on
with the upvote offered on the confirm page (docs/accounts.md)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperwire.auth.submissions import SubmissionError, submit_paper
from paperwire.http.deps import NowDep, SettingsDep, StoreDep, TemplatesDep, UserDep
from paperwire.links import paper_url
from paperwire.web.pages.common import error_page, render
from paperwire.web.redirects import with_return

router = APIRouter(include_in_schema=False)
UPVOTE_WINDOW = 60.0
#: The longest reference a form keeps (longer ones are refused anyway).
MAX_REFERENCE = 500


def sign_in_first(next_: str, upvote: str | None = None) -> RedirectResponse:
    """To the sign-in page, which comes back to ``next_`` (and offers ``upvote``)."""
    return RedirectResponse(with_return("/login", next_, upvote), status_code=303)


def _back_to_submit(reference: str) -> str:
    reference = reference.strip()[:MAX_REFERENCE]
    return f"/submit?{urlencode({'paper': reference})}" if reference else "/submit"


@router.get("/submit", response_class=HTMLResponse)
def submit_form(
    request: Request,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: UserDep,
    paper: str = "",
) -> Response:
    if user is None:
        return sign_in_first(_back_to_submit(paper))
    context = {
        "me": user,
        "reference": paper.strip()[:MAX_REFERENCE],
        "error": None,
        "already": None,
        "settings": settings,
    }
    return render(request, templates, "submit.html", context)


@router.post("/submit", response_class=HTMLResponse)
def submit(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    user: UserDep,
    now: NowDep,
    paper: Annotated[str, Form()] = "",
) -> Response:
    if user is None:
        return sign_in_first(_back_to_submit(paper))
    try:
        _, stored = submit_paper(store, settings, user=user, reference=paper, now=now)
    except SubmissionError as error:
        context = {
            "me": user,
            "reference": paper[:MAX_REFERENCE],
            "error": error.message,
            "already": store.get_paper(error.paper_id) if error.paper_id else None,
            "status": error.status,
            "settings": settings,
        }
        response = render(request, templates, "submit.html", context, error.status)
        if error.retry_after:
            response.headers["retry-after"] = str(error.retry_after)
        return response
    return RedirectResponse(paper_url(stored), status_code=303)


@router.post("/upvote")
def upvote_form(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    user: UserDep,
    now: NowDep,
    paper: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = "add",
) -> Response:
    back = same_site_path(request.headers.get("referer", ""), str(request.base_url))
    if user is None:
        return sign_in_first(back or paper_url(paper), upvote=paper)
    found = store.get_paper(paper)
    if found is None:
        return error_page(request, templates, 404, "Not Found", f"There is no paper {paper!r}.")
    wait = store.hit_rate_limit(
        f"upvote:{user.id}", limit=settings.upvote_limit, window=UPVOTE_WINDOW, now=now
    )
    if wait is not None:
        response = error_page(
            request, templates, 429, "Too many upvotes", "Too many upvote changes: wait a minute."
        )
        response.headers["retry-after"] = str(int(wait + 0.999))
        return response
    if action == "remove":
        store.remove_upvote(user.id, found.id)
    else:
        store.add_upvote(user.id, found.id, now=now)
    return RedirectResponse(back or paper_url(found), status_code=303)


def same_site_path(referer: str, base_url: str) -> str | None:
    """The path (and query) of ``referer`` when it is a page of this site (``base_url``):
    one leading ``/``, never ``//`` or ``/\\`` (which browsers read as another host);
    None otherwise."""
    try:
        parts = urlsplit(referer)
        base = urlsplit(base_url)
    except ValueError:
        return None
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        return None
    path = parts.path
    if not path.startswith("/") or path[1:2] in ("/", "\\"):
        return None
    if any(ord(ch) < 0x21 or ch == "\\" for ch in path + parts.query):
        return None
    return f"{path}?{parts.query}" if parts.query else path
