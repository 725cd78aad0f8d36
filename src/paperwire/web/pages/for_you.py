"""``/for-you?since=YYYY-MM-DD``: new papers ranked for the signed-in reader
(``Recommender.for_reader``), each with its reason and its "save" and "not interested"
buttons; papers in the reader's lists, upvoted or hidden never show. ``since`` defaults
to the last 7 days of the listing (up to its latest day), and goes back at most
``MAX_DAYS`` days.

A reader with nothing to learn from yet is shown how to start: search and save papers,
follow authors or topics (``POST /library/follow``), or import a library.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperwire import library
from paperwire.http.deps import NowDep, StoreDep, TemplatesDep, UserDep, recommending
from paperwire.http.params import parse_day, shown
from paperwire.library import LibraryError
from paperwire.recommend import Recommendation
from paperwire.store.base_library import INTEREST_KINDS, InterestKind
from paperwire.web.pages.common import BadParam, bad_param, render
from paperwire.web.pages.library_actions import back_to, bad_field, refuse, signed_out
from paperwire.web.pages.reading import (
    data_day,
    days_before,
    parse_action,
    remember_entries,
)
from paperwire.web.pages.submit import sign_in_first
from paperwire.web.redirects import here

router = APIRouter(include_in_schema=False)

DEFAULT_DAYS = 7
#: How far back ``since`` may go: scoring is per request, so the window is bounded.
MAX_DAYS = 90
LIMIT = 50
#: The choices of the "since" menu: (label, days up to the latest day).
SPANS = (
    ("The latest day", 1),
    ("The last 3 days", 3),
    ("The last 7 days", 7),
    ("The last 30 days", 30),
)


@dataclass(frozen=True, slots=True)
class Since:
    label: str
    day: date


def since_choices(last: date, chosen: date) -> list[Since]:
    choices = [Since(label, days_before(last, days)) for label, days in SPANS]
    if chosen not in [c.day for c in choices]:
        choices.append(Since(f"Since {chosen.isoformat()}", chosen))
    return choices


@router.get("/for-you", response_class=HTMLResponse)
def for_you(
    request: Request,
    store: StoreDep,
    templates: TemplatesDep,
    user: UserDep,
    now: NowDep,
    since: str | None = None,
) -> Response:
    last = data_day(store, now.date())
    try:  # parameters first: a bad one is a 400 signed in or not
        first = parse_day("since", since) or days_before(last, DEFAULT_DAYS)
        if first < days_before(last, MAX_DAYS):
            raise BadParam("since", f"at most {MAX_DAYS} days back (from {last.isoformat()})")
    except BadParam as error:
        return bad_param(request, templates, error)
    if user is None:
        return sign_in_first(here(request))
    picks: list[Recommendation] = recommending(
        request, lambda rec: rec.for_reader(user.id, since=first, limit=LIMIT), []
    )
    remember_entries(request, [p.paper.id for p in picks])
    ready = bool(picks) or recommending(request, lambda rec: bool(rec.tiers()), False)
    signals = store.signals(user.id)
    context = {
        "me": user,
        "picks": picks,
        "since": first,
        "last": last,
        "choices": since_choices(last, first),
        "has_signals": bool(signals.positives or signals.interests),
        "ready": ready,
        "interests": store.interests(user.id),
        "kinds": INTEREST_KINDS,
    }
    return render(request, templates, "for_you.html", context)


@router.post("/library/follow")
def follow(
    request: Request,
    store: StoreDep,
    templates: TemplatesDep,
    user: UserDep,
    now: NowDep,
    kind: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Follow an author or a free-text topic (``action=remove``: stop)."""
    if user is None:
        return signed_out(request, next or "/for-you")
    try:
        following = parse_action(action)
        if kind not in INTEREST_KINDS:
            raise BadParam("kind", f"expected author or topic, got {shown(kind)}")
        chosen: InterestKind = "author" if kind == "author" else "topic"
        if not value.strip():
            raise BadParam("value", f"which {kind}? (the field is empty)")
    except BadParam as error:
        return bad_field(request, templates, error)
    try:
        library.follow(store, user.id, chosen, value, following=following, now=now)
    except LibraryError as error:
        return refuse(request, templates, 400, "Not followed", f"value: {error}")
    return RedirectResponse(back_to(request, next, "/for-you"), status_code=303)
