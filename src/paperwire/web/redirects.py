"""Where sign-in sends a reader back to: a ``next`` address of this site, checked.

Signing in starts on some page (``/login?next=/papers/2401.01234&upvote=2401.01234``);
``next`` travels through the login form, the mailed link and the confirm page, and is
checked again at every step: only a path of this site is followed (one leading ``/``,
no ``//`` in the path, no scheme or host, no backslash, no control or space character),
anything else falls back to the reader's own page. ``upvote`` names a paper to upvote
once the reader has pressed the confirm button (a POST with its CSRF token); see
docs/accounts.md.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from starlette.requests import Request

from paperwire.http.params import MAX_ID, control_character

#: A longer ``next`` is not followed.
MAX_NEXT = 1000
#: Pages that sign-in never returns to (they would start it again).
_NOT_BACK = ("/login", "/logout")


def safe_next(value: str | None) -> str | None:
    """``value`` when it is a path of this site to go back to, else None.

    >>> safe_next("/papers/2401.01234?upvote=1")
    '/papers/2401.01234?upvote=1'
    >>> [safe_next(v) for v in ("//evil.example", "https://evil.example", "/\\\\evil")]
    [None, None, None]
    """
    if not value or len(value) > MAX_NEXT or not value.startswith("/"):
        return None
    if "\\" in value or any(ch.isspace() or not ch.isprintable() for ch in value):
        return None
    path = value.split("?", 1)[0].split("#", 1)[0]
    if "//" in path or path.startswith(_NOT_BACK):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme or parts.netloc:
        return None
    return value


def safe_paper_id(value: str | None) -> str | None:
    """A paper id to upvote after sign-in, when it can be one (the store decides whether
    it exists)."""
    if not value or len(value) > MAX_ID or control_character(value) or value != value.strip():
        return None
    return value


def here(request: Request) -> str:
    """The path and query of this request: the page a sign-in link started from."""
    query = request.url.query
    return f"{request.url.path}?{query}" if query else request.url.path


def with_return(url: str, next_: str | None, upvote: str | None = None) -> str:
    """``url`` carrying ``next`` and ``upvote`` as query parameters, each only when it
    passes its check."""
    params = {"next": safe_next(next_), "upvote": safe_paper_id(upvote)}
    kept = {k: v for k, v in params.items() if v}
    if not kept:
        return url
    return url + ("&" if "?" in url else "?") + urlencode(kept)


def login_url(request: Request, upvote: str | None = None) -> str:
    """The sign-in page, set to come back to this page (and to upvote ``upvote``)."""
    return with_return("/login", here(request), upvote)
