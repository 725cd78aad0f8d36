"""Conditional requests: whether a ``GET`` is answered 304 Not Modified (the response
cache of ``web/middleware.py`` and the feeds)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison of an ``If-None-Match`` list with an entity tag (RFC 9110 13.1.2)."""
    if if_none_match.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in if_none_match.split(","))


def is_not_modified(
    headers: Mapping[str, str], etag: str | None, last_modified: datetime | None
) -> bool:
    """Whether a GET with these request headers should be answered 304.

    ``If-None-Match`` decides when present; otherwise ``If-Modified-Since`` does, when
    the resource's ``Last-Modified`` is not after it (both to the second).
    """
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        return etag is not None and etag_matches(if_none_match, etag)
    since = headers.get("if-modified-since")
    if since is None or last_modified is None:
        return False
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError):
        return False
    if when.tzinfo is None:
        return False
    return int(last_modified.timestamp()) <= int(when.timestamp())
