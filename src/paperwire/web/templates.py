"""Jinja2 environment: autoescaping on, a few filters for papers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlencode

from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from paperwire.cite import abs_url, bibtex, is_arxiv_id, pdf_url
from paperwire.config import Settings
from paperwire.http.params import is_shown_day
from paperwire.links import paper_url, safe_url
from paperwire.models import Paper
from paperwire.text import plain_text
from paperwire.web.csrf import csrf_input

TEMPLATES = Path(__file__).parent / "templates"


def paper_day(paper: Paper) -> date | None:
    """The day the paper was first announced (``Paper.first_day``), the day whose listing
    holds it; None when no page can show that day (a bad record's 9999-12-31)."""
    day = paper.first_day
    return day if day is not None and is_shown_day(day) else None


def short_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime("%b %d, %Y").replace(" 0", " ")


def repo_name(url: str | None) -> str:
    """``https://github.com/owner/repo`` -> ``owner/repo``."""
    if not url:
        return ""
    return url.split("github.com/", 1)[-1].strip("/")


def count(value: int | None) -> str:
    """Compact counts: 950, 1.2k, 12k, 1.3M."""
    n = value or 0
    if n < 1000:
        return str(n)
    if n < 10_000:
        return f"{n / 1000:.1f}k".replace(".0k", "k")
    if n < 1_000_000:
        return f"{n // 1000}k"
    return f"{n / 1_000_000:.1f}M".replace(".0M", "M")


def author_names(paper: Paper, limit: int = 0) -> str:
    """Authors joined by commas; with ``limit``, the first ones and how many more."""
    names = [a.name for a in paper.authors]
    if limit and len(names) > limit:
        return ", ".join(names[:limit]) + f" and {len(names) - limit} more"
    return ", ".join(names)


_UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$")


def preview(text: str, limit: int = 300) -> str:
    """The start of ``text``, cut at a word boundary and never inside ``$...$`` math."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    dollars = [m.start() for m in _UNESCAPED_DOLLAR.finditer(cut)]
    if len(dollars) % 2:  # an open formula: stop before it
        cut = cut[: dollars[-1]]
    return cut.rstrip(" ,;:.") + " …"


_URL = re.compile(r"https?://[^\s<>\"'`{}|\\^]+")
_URL_TAIL = ".,;:!?)]"


def linkify(text: str | None) -> Markup:
    """Escaped text whose ``http(s)://`` addresses become links."""
    if not text:
        return Markup("")
    out: list[str] = []
    at = 0
    for match in _URL.finditer(text):
        url = match[0].rstrip(_URL_TAIL)
        if url.count("(") > url.count(")") and match[0][len(url) :].startswith(")"):
            url += ")"  # a URL that ends in a closing parenthesis of its own
        out.append(escape(text[at : match.start()]))
        out.append(Markup('<a href="{0}" rel="nofollow noopener">{0}</a>').format(url))
        at = match.start() + len(url)
    out.append(escape(text[at:]))
    return Markup("").join(out)


def citation_date(paper: Paper) -> str:
    """``YYYY/MM/DD`` as Highwire Press ``citation_date`` wants it."""
    when = paper.published_at.date() if paper.published_at else paper_day(paper)
    return when.strftime("%Y/%m/%d") if when else ""


def query_url(path: str, params: Mapping[str, object]) -> str:
    """``path`` with the non-empty ``params`` as a query string."""
    kept = {k: str(v) for k, v in params.items() if v is not None and v != "" and v is not False}
    return f"{path}?{urlencode(kept)}" if kept else path


def tex_text(text: str | None) -> str:
    """A title or abstract for a page: LaTeX outside formulas as readable text, every
    ``$...$`` formula kept as written for KaTeX to typeset (``plain_text``)."""
    return plain_text(text, keep_math=True)


def author_url(name: str) -> str:
    """A search for one author's papers: the name as a phrase (the keyword index has no
    author field to search; a name's words next to each other in the authors field score
    highest, ``NAME_BIGRAM_BOOST``), by words only."""
    phrase = plain_text(name).replace('"', " ").strip()
    return query_url("/search", {"q": f'"{phrase}"', "mode": "keyword"})


def make_templates(settings: Settings) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    env = templates.env
    env.globals["base_url"] = settings.base_url.rstrip("/")
    env.globals["query_url"] = query_url
    env.globals["csrf_input"] = csrf_input
    env.filters["short_date"] = short_date
    env.filters["paper_day"] = paper_day
    env.filters["paper_url"] = paper_url
    env.filters["is_arxiv_id"] = is_arxiv_id
    env.filters["abs_url"] = abs_url
    env.filters["pdf_url"] = pdf_url
    env.filters["safe_url"] = safe_url
    env.filters["repo_name"] = repo_name
    env.filters["count"] = count
    env.filters["author_names"] = author_names
    env.filters["preview"] = preview
    env.filters["linkify"] = linkify
    env.filters["citation_date"] = citation_date
    env.filters["bibtex"] = bibtex
    env.filters["plain_text"] = plain_text
    env.filters["tex_text"] = tex_text
    env.filters["author_url"] = author_url
    return templates
