"""``hf-daily``: Hugging Face daily papers (``/api/daily_papers``), and their fetcher.

A response is a JSON list; each item holds ``paper{id, authors[{name, hidden, user?}],
publishedAt, submittedOnDailyAt, submittedOnDailyBy{user, name}, title, summary, upvotes,
githubRepo?, githubStars?, projectPage?}`` next to ``title, summary, publishedAt,
submittedBy, numComments, ...``. ``paper.id`` is the arXiv id. A single item (or a bare
paper object) is read as a list of one.

- The day a paper was put on the daily list (``submittedOnDailyAt``) becomes an
  ``hf-daily`` feed date.
- An item that is not a paper (no id or title, a bad date) is rejected as
  ``origin#itemN`` (N counts from 1); the others are kept.
- A response that is not valid JSON as a whole raises ``ParseError``.

The fetcher (``fetch_pages``) asks for each day from the one after the checkpoint's
last complete day through today (UTC), one page (and checkpoint) a day. Today is never
complete: the next run fetches it again.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from functools import partial
from typing import IO, Any
from urllib.parse import urlencode

from paperwire.config import Settings
from paperwire.errors import ParseError
from paperwire.gate import gate_record, kind_of, shown
from paperwire.models import Author, FeedDate, Paper, Rejected
from paperwire.normalize import (
    clean_optional,
    clean_text,
    find_github_repo,
    normalize_github_repo,
    parse_datetime,
    parse_day,
    split_arxiv_id,
    utcnow,
)
from paperwire.sources.base import Checkpoints, Pages, Record, paper_page
from paperwire.sources.http import PoliteClient

SOURCE = "hf-daily"
FEED = "hf-daily"
CHECKPOINT = "hf-daily"
PAGE_SIZE = 100
MAX_PAGES = 50


def _str(value: Any, name: str) -> str | None:
    """Text or None; ValueError for any other type."""
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f"{name} must be text, not {kind_of(value)}")


def _int(value: Any, name: str) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise ValueError(f"{name} must be a whole number, not {kind_of(value)}")


def _when(value: Any, name: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a date (text), not {kind_of(value)}")
    try:
        return parse_datetime(value)
    except (ValueError, OverflowError):
        raise ValueError(f"bad {name} {shown(value)}") from None


def _user(value: Any, name: str) -> str | None:
    if isinstance(value, dict):
        user = _str(value.get("user"), f"{name}.user") or _str(value.get("name"), f"{name}.name")
        return clean_optional(user)
    return clean_optional(_str(value, name))


def _authors(value: Any) -> list[Author]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"authors must be a list, not {kind_of(value)}")
    authors: list[Author] = []
    for entry in value:
        if not isinstance(entry, dict):
            raise ValueError(f"each author must be an object, not {kind_of(entry)}")
        user = entry.get("user")
        fullname = user.get("fullname") if isinstance(user, dict) else None
        name = clean_text(_str(entry.get("name"), "author name") or _str(fullname, "fullname"))
        if name:
            authors.append(Author(name))
    return authors


def parse_item(item: dict[str, Any]) -> Paper:
    """One daily-papers item (or bare paper object) to a paper; raises ValueError if not one."""
    nested = item.get("paper")
    paper: dict[str, Any] = nested if isinstance(nested, dict) else item
    raw_id = clean_text(_str(paper.get("id"), "id"))
    split = split_arxiv_id(raw_id) if raw_id else None
    if split is None:
        raise ValueError(f"missing or invalid id {shown(raw_id)}")
    paper_id = split[0]
    title = clean_text(_str(paper.get("title"), "title") or _str(item.get("title"), "title"))
    if not title:
        raise ValueError("missing title")
    summary = _str(paper.get("summary"), "summary") or _str(item.get("summary"), "summary")
    abstract = clean_text(summary)
    published_at = _when(paper.get("publishedAt", item.get("publishedAt")), "publishedAt")
    submitted_at = _when(paper.get("submittedOnDailyAt"), "submittedOnDailyAt")
    repo = _str(paper.get("githubRepo"), "githubRepo")
    github_repo = normalize_github_repo(repo) or find_github_repo(abstract)
    return Paper(
        id=paper_id,
        title=title,
        abstract=abstract,
        authors=_authors(paper.get("authors")),
        published_at=published_at,
        abs_url=f"https://arxiv.org/abs/{paper_id}",
        pdf_url=f"https://arxiv.org/pdf/{paper_id}",
        github_repo=github_repo,
        github_stars=_int(paper.get("githubStars"), "githubStars"),
        project_page=clean_optional(_str(paper.get("projectPage"), "projectPage")),
        upvotes=_int(paper.get("upvotes"), "upvotes"),
        submitted_by=_user(paper.get("submittedOnDailyBy"), "submittedOnDailyBy")
        or _user(item.get("submittedBy"), "submittedBy"),
        submitted_at=submitted_at,
        sources=[SOURCE],
        feed_dates=[FeedDate(submitted_at.date(), FEED)] if submitted_at else [],
    )


def parse_hf_daily(stream: IO[bytes], *, origin: str) -> Iterator[Record]:
    """Yields exactly one record (paper or rejection) per item of the response."""
    try:
        document = json.loads(stream.read())
    except UnicodeDecodeError as exc:
        raise ParseError(origin, "not valid JSON: not UTF-8 text") from exc
    except RecursionError as exc:
        raise ParseError(origin, "not valid JSON: nested too deeply") from exc
    except ValueError as exc:
        raise ParseError(origin, f"not valid JSON ({exc})") from exc
    if isinstance(document, dict):
        if "error" in document and "paper" not in document and "id" not in document:
            raise ParseError(origin, f"error answer: {shown(str(document['error']))}")
        items: list[Any] = [document]
    elif isinstance(document, list):
        items = document
    else:
        raise ParseError(origin, "expected a JSON list of daily papers")
    for number, item in enumerate(items, start=1):
        where = f"{origin}#item{number}"
        if not isinstance(item, dict):
            yield Rejected(where, "not a JSON object")
            continue
        yield gate_record(partial(parse_item, item), where)


# -- fetching ----------------------------------------------------------------------------


def _fetch_day(client: PoliteClient, url: str, day: date) -> list[Record]:
    """Every item listed on ``day``, page by page while pages come back full."""
    records: list[Record] = []
    seen: set[str] = set()
    for number in range(MAX_PAGES):
        params: dict[str, str | int] = {"date": day.isoformat(), "limit": PAGE_SIZE}
        if number:
            params["p"] = number
        origin = f"{url}?{urlencode(params)}"
        response = client.get(url, params)
        page = list(parse_hf_daily(io.BytesIO(response.content), origin=origin))
        ids = {r.id for r in page if isinstance(r, Paper)}
        if ids and ids <= seen:  # the server ignored ``p``: nothing new on this page
            break
        seen |= ids
        records.extend(page)
        if len(page) < PAGE_SIZE:
            break
    for record in records:
        if isinstance(record, Paper) and not record.feed_dates:
            record.feed_dates = [FeedDate(day, FEED)]
    return records


def checkpoint_names(settings: Settings) -> list[str]:
    return [CHECKPOINT]


def fetch_pages(client: PoliteClient, settings: Settings, checkpoints: Checkpoints) -> Pages[Paper]:
    """Each day from the one after the last complete day through today, a page a day."""
    url = f"{settings.hf_api_url.rstrip('/')}/daily_papers"
    today = utcnow().date()
    last = checkpoints.get(CHECKPOINT, {}).get("last_complete_day")
    if isinstance(last, str) and last:
        day = parse_day(last) + timedelta(days=1)
    else:
        day = today - timedelta(days=settings.fetch_days)
    while day <= today:
        records = _fetch_day(client, url, day)
        if day < today:
            last = day.isoformat()
        after = {"last_complete_day": last, "last_fetched_day": day.isoformat()}
        yield paper_page(CHECKPOINT, after, records)
        day += timedelta(days=1)
