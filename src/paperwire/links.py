"""Links: ``paper_url``, the page of a paper on this server (pages, the API's redirects,
digests), and ``safe_url``, the one check every stored link passes before a page, feed or
mail shows it.

Links come from records (``abs_url``, ``pdf_url``, ``github_repo``, ``project_page``). Only
absolute ``http(s)`` addresses with a host are shown; anything else (``javascript:``,
``data:``, a relative path, an address holding whitespace or control characters) is left
out, so a bad record that got into the store cannot put a script behind a link.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from paperwire.models import Paper

SCHEMES = frozenset({"http", "https"})
#: Whitespace and control characters: browsers drop some of them inside a scheme
#: (``java\tscript:``), so an address holding one is never shown.
_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\s]")
MAX_URL = 2048


def safe_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) address with a host, else None."""
    if not url or len(url) > MAX_URL or _UNSAFE.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:  # an unbalanced IPv6 bracket, an invalid port
        return None
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        return None
    return url


def paper_url(paper: Paper | str) -> str:
    """The page of a paper, relative to the server (old-style ids keep their slash)."""
    paper_id = paper if isinstance(paper, str) else paper.id
    return "/papers/" + quote(paper_id, safe="/:")
