"""``/subscribe``: the subscription form, double opt-in, preferences and unsubscribing.

Pages reached by a signed link (confirm, preferences, unsubscribe) are never cached and
ask for no referrer (``<meta name="referrer">``), so the token in their address stays
between the reader and the site.
``POST /subscribe/unsubscribe?token=...`` is the RFC 8058 one-click unsubscribe that mail
clients call; the signed token in its address is what authorises it.

The form names each category (``paperwire.categories``), offers the time zones of the IANA
database as a grouped ``<select>`` (a new form starts at the browser's zone when scripts
run, else at the server's default, UTC), and answers a bad field with its message beside
it, every value kept. ``GET /subscribe?email=...`` opens the form with the address filled
in (the daily page's box sends it there).
"""

from __future__ import annotations

import zoneinfo
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from paperwire.categories import category_name
from paperwire.digest.subscriptions import (
    FREQUENCIES,
    InvalidToken,
    Links,
    confirm,
    ip_limit_wait,
    request_subscription,
    retry_after,
    send_now,
    validate_request,
)
from paperwire.http.deps import NowDep, SettingsDep, StoreDep, TemplatesDep
from paperwire.normalize import strip_control
from paperwire.store.base_digests import CONFIRMED, UNSUBSCRIBED, Preferences
from paperwire.web.pages.common import render

router = APIRouter(include_in_schema=False)

PRIVATE = {"Cache-Control": "no-store"}


def _private(response: HTMLResponse) -> HTMLResponse:
    response.headers.update(PRIVATE)
    return response


def _message(
    request: Request,
    templates: Jinja2Templates,
    title: str,
    message: str,
    status_code: int = 200,
    **extra: Any,
) -> HTMLResponse:
    context = {"title": title, "message": message, **extra}
    return _private(render(request, templates, "subscribe_message.html", context, status_code))


def _bad_link(request: Request, templates: Jinja2Templates, error: InvalidToken) -> HTMLResponse:
    message = f"We cannot use this link: {error}. Subscribe again to get a new one."
    return _message(request, templates, "This link does not work", message, 400)


async def _form(request: Request) -> tuple[dict[str, str], list[str]]:
    data = await request.form()
    fields = {k: v for k, v in data.items() if isinstance(v, str)}
    categories = [v for v in data.getlist("categories") if isinstance(v, str)]
    return fields, categories


#: Regions of the IANA time zone database offered in the picker (legacy aliases such as
#: ``US/Eastern`` still validate, and are shown when already chosen).
ZONE_REGIONS = (
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)
MAX_EMAIL = 254


@lru_cache(maxsize=1)
def zone_groups() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """``(region, ((zone, label), ...))`` for the picker, sorted; ``UTC`` first. A label
    is the zone's name as people read it (``America/New York``)."""
    by_region: dict[str, list[tuple[str, str]]] = {}
    for zone in zoneinfo.available_timezones():
        region, _, place = zone.partition("/")
        if region in ZONE_REGIONS and place:
            by_region.setdefault(region, []).append((zone, zone.replace("_", " ")))
    groups: list[tuple[str, tuple[tuple[str, str], ...]]] = [("UTC", (("UTC", "UTC"),))]
    groups += [(r, tuple(sorted(by_region[r], key=lambda z: z[1]))) for r in sorted(by_region)]
    return tuple(groups)


def _zone_known(zone: str) -> bool:
    return any(zone == value for _, zones in zone_groups() for value, _ in zones)


def _form_context(settings: Any, values: dict[str, Any]) -> dict[str, Any]:
    return {
        **values,
        "categories": list(dict.fromkeys([*settings.categories, *values["selected"]])),
        "category_name": category_name,
        "frequencies": FREQUENCIES,
        "zone_groups": zone_groups(),
        "zone_listed": _zone_known(values["timezone"]),
        "max_papers": settings.digest_max_papers,
    }


def _values(
    email: str,
    prefs: Preferences,
    topics: str | None = None,
    errors: dict[str, str] | None = None,
    timezone: str | None = None,
) -> dict[str, Any]:
    """What the form shows: the stored or asked-for preferences; after an error, the
    values as sent (``topics``, ``timezone``), so nothing typed is lost."""
    return {
        "email": email,
        "frequency": prefs.frequency,
        "selected": prefs.categories,
        "topics": topics if topics is not None else ", ".join(prefs.topics),
        "timezone": (timezone if timezone is not None else prefs.timezone)[:64],
        "errors": errors or {},
    }


@router.get("/subscribe", response_class=HTMLResponse)
def subscribe_form(
    request: Request, settings: SettingsDep, templates: TemplatesDep, email: str = ""
) -> HTMLResponse:
    values = _values(" ".join(strip_control(email).split())[:MAX_EMAIL], Preferences())
    context = _form_context(settings, values) | {"browser_zone": True}
    return render(request, templates, "subscribe.html", context)


@router.post("/subscribe", response_class=HTMLResponse)
async def subscribe(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    background: BackgroundTasks,
    now: NowDep,
) -> HTMLResponse:
    fields, categories = await _form(request)
    req = validate_request(
        email=fields.get("email", ""),
        frequency=fields.get("frequency", ""),
        categories=categories,
        topics=fields.get("topics", ""),
        timezone=fields.get("timezone", "UTC") or "UTC",
        smtputf8=settings.mail_smtputf8,
    )
    topics_text = " ".join(fields.get("topics", "").split())
    if req.errors:
        values = _values(
            fields.get("email", "").strip(),
            req.prefs,
            topics_text,
            req.errors,
            timezone=fields.get("timezone", "UTC") or "UTC",
        )
        return _private(
            render(request, templates, "subscribe.html", _form_context(settings, values), 400)
        )
    client = request.client.host if request.client else "unknown"
    wait = ip_limit_wait(store, settings, client=client, now=now)
    if wait is not None:
        response = _message(
            request,
            templates,
            "Too many requests",
            "Too many subscription requests from your network: try again later.",
            429,
        )
        response.headers["retry-after"] = retry_after(wait)
        return response
    message = request_subscription(store, settings, req)
    if message is not None:  # sent after the answer: the answer is the same either way
        background.add_task(send_now, settings, message)
    context = {"email": req.email, "prefs": req.prefs}
    return _private(render(request, templates, "subscribed.html", context))


@router.get("/subscribe/confirm", response_class=HTMLResponse)
def confirm_page(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    token: str = "",
) -> HTMLResponse:
    try:
        email, prefs = Links.of(settings, store).read_confirm(token)
    except InvalidToken as exc:
        return _bad_link(request, templates, exc)
    return _message(
        request,
        templates,
        "Confirm your subscription",
        f"Press the button to get {prefs.frequency} digests at {email}.",
        form={"action": "/subscribe/confirm", "token": token, "button": "Confirm"},
    )


@router.post("/subscribe/confirm", response_class=HTMLResponse)
async def confirm_post(
    request: Request, store: StoreDep, settings: SettingsDep, templates: TemplatesDep
) -> HTMLResponse:
    fields, _ = await _form(request)
    try:
        subscriber = confirm(store, settings, fields.get("token", ""))
    except InvalidToken as exc:
        return _bad_link(request, templates, exc)
    links = Links.of(settings, store)
    return _message(
        request,
        templates,
        "You are subscribed",
        f"{subscriber.email} will get {subscriber.prefs.frequency} digests of new papers.",
        link=(links.preferences_url(subscriber.id), "Change your preferences"),
    )


@router.get("/subscribe/preferences", response_class=HTMLResponse)
def preferences_page(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    token: str = "",
) -> HTMLResponse:
    try:
        subscriber_id = Links.of(settings, store).read_preferences(token)
    except InvalidToken as exc:
        return _bad_link(request, templates, exc)
    subscriber = store.get_subscriber(subscriber_id)
    if subscriber is None:
        return _message(request, templates, "Not subscribed", "This subscription is gone.", 404)
    values = _values(subscriber.email, subscriber.prefs)
    context = _form_context(settings, values) | {
        "token": token,
        "status": subscriber.status,
        "unsubscribe_url": Links.of(settings, store).unsubscribe_url(subscriber.id),
    }
    return _private(render(request, templates, "subscribe_preferences.html", context))


@router.post("/subscribe/preferences", response_class=HTMLResponse)
async def preferences_post(
    request: Request, store: StoreDep, settings: SettingsDep, templates: TemplatesDep
) -> HTMLResponse:
    fields, categories = await _form(request)
    token = fields.get("token", "")
    try:
        subscriber_id = Links.of(settings, store).read_preferences(token)
    except InvalidToken as exc:
        return _bad_link(request, templates, exc)
    subscriber = store.get_subscriber(subscriber_id)
    if subscriber is None:
        return _message(request, templates, "Not subscribed", "This subscription is gone.", 404)
    req = validate_request(
        email=subscriber.email,
        frequency=fields.get("frequency", ""),
        categories=categories,
        topics=fields.get("topics", ""),
        timezone=fields.get("timezone", "UTC") or "UTC",
        smtputf8=settings.mail_smtputf8,
    )
    if req.errors:
        values = _values(
            subscriber.email,
            req.prefs,
            fields.get("topics", ""),
            req.errors,
            timezone=fields.get("timezone", "UTC") or "UTC",
        )
        context = _form_context(settings, values) | {"token": token, "status": subscriber.status}
        return _private(render(request, templates, "subscribe_preferences.html", context, 400))
    updated = store.update_preferences(subscriber_id, req.prefs)
    assert updated is not None
    values = _values(updated.email, updated.prefs)
    context = _form_context(settings, values) | {
        "token": token,
        "status": updated.status,
        "saved": True,
    }
    return _private(render(request, templates, "subscribe_preferences.html", context))


@router.get("/subscribe/unsubscribe", response_class=HTMLResponse)
def unsubscribe_page(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    token: str = "",
) -> HTMLResponse:
    try:
        Links.of(settings, store).read_unsubscribe(token)
    except InvalidToken as exc:
        return _bad_link(request, templates, exc)
    return _message(
        request,
        templates,
        "Unsubscribe",
        "Press the button to stop getting paperwire digests.",
        form={
            "action": request.url.path + "?" + request.url.query,
            "token": token,
            "button": "Unsubscribe",
        },
    )


@router.post("/subscribe/unsubscribe", response_class=HTMLResponse)
async def unsubscribe(
    request: Request, store: StoreDep, settings: SettingsDep, templates: TemplatesDep
) -> HTMLResponse:
    """The one-click unsubscribe (RFC 8058): the token is in the address (mail clients
    post ``List-Unsubscribe=One-Click``) or in the form."""
    fields, _ = await _form(request)
    token = request.query_params.get("token") or fields.get("token", "")
    try:
        subscriber_id = Links.of(settings, store).read_unsubscribe(token)
    except InvalidToken as exc:
        return _bad_link(request, templates, exc)
    subscriber = store.get_subscriber(subscriber_id)
    if subscriber is not None and subscriber.status in (CONFIRMED, "pending"):
        store.set_subscriber_status(subscriber_id, UNSUBSCRIBED)
    return _message(
        request,
        templates,
        "You are unsubscribed",
        "No more digests will be sent to this address. Subscribe again at any time.",
    )
