"""``/subscribe``: the subscription form. Sending digests is another issue: a valid POST is
answered with a page saying subscriptions open soon, and nothing is stored."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from paperwire.web.deps import SettingsDep, TemplatesDep
from paperwire.web.pages.common import BadParam, parse_category, render

router = APIRouter(include_in_schema=False)

FREQUENCIES = ("daily", "weekly")
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]{2,}$")
MAX_TOPICS = 500


@dataclass(slots=True)
class Subscription:
    email: str = ""
    frequency: str = "daily"
    categories: list[str] = field(default_factory=list)
    topics: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def validate(email: str, frequency: str, categories: list[str], topics: str) -> Subscription:
    """The submitted values, with one error message per bad field."""
    sub = Subscription(email.strip(), frequency, [], " ".join(topics.split()))
    if len(sub.email) > 254 or not _EMAIL.match(sub.email):
        sub.errors["email"] = "Enter an email address such as ada@example.org."
    if frequency not in FREQUENCIES:
        sub.errors["frequency"] = "Choose daily or weekly."
        sub.frequency = "daily"
    for value in categories:
        try:
            parsed = parse_category(value, "categories")
        except BadParam:
            sub.errors["categories"] = f"Unknown category “{value}”."
            continue
        if parsed and parsed not in sub.categories:
            sub.categories.append(parsed)
    if len(sub.topics) > MAX_TOPICS:
        sub.errors["topics"] = f"Topics can be at most {MAX_TOPICS} characters long."
    return sub


@router.get("/subscribe", response_class=HTMLResponse)
def subscribe_form(
    request: Request, settings: SettingsDep, templates: TemplatesDep
) -> HTMLResponse:
    context = {"sub": Subscription(), "categories": settings.categories, "frequencies": FREQUENCIES}
    return render(request, templates, "subscribe.html", context)


@router.post("/subscribe", response_class=HTMLResponse)
async def subscribe(
    request: Request, settings: SettingsDep, templates: TemplatesDep
) -> HTMLResponse:
    data = await request.form()

    def text(name: str) -> str:
        value = data.get(name)
        return value if isinstance(value, str) else ""

    categories = [v for v in data.getlist("categories") if isinstance(v, str)]
    sub = validate(text("email"), text("frequency"), categories, text("topics"))
    if sub.errors:
        context = {"sub": sub, "categories": settings.categories, "frequencies": FREQUENCIES}
        return render(request, templates, "subscribe.html", context, 400)
    return render(request, templates, "subscribed.html", {"sub": sub})
