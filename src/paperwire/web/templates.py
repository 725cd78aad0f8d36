"""Jinja2 environment: autoescaping on, a few filters for papers."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from fastapi.templating import Jinja2Templates

from paperwire.config import Settings
from paperwire.models import Paper

TEMPLATES = Path(__file__).parent / "templates"


def paper_day(paper: Paper) -> date | None:
    if paper.feed_dates:
        return min(f.day for f in paper.feed_dates)
    if paper.published_at:
        return paper.published_at.date()
    return None


def short_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime("%b %d, %Y").replace(" 0", " ")


def make_templates(settings: Settings) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    env = templates.env
    env.globals["base_url"] = settings.base_url.rstrip("/")
    env.filters["short_date"] = short_date
    env.filters["paper_day"] = paper_day
    return templates
