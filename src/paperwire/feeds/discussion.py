"""``/feeds/discussion/{paper_id}.atom``: the visible comments of a paper's discussion,
the newest first (at most ``FEED_LIMIT``).

Each entry's content is the comment's stored HTML (sanitised when it was written, see
``comment_text``), as Atom ``type="html"``: escaped inside the XML, so a feed reader
shows the same allow-listed markup as the page. Hidden, held and deleted comments are
not in it. Feed readers revalidate every poll (``no-cache`` with an ETag), so a comment
a curator hides leaves the feed at once. An id that cannot be one is a plain-text 400
naming it, an unknown paper a plain-text 404.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]

from paperwire import __version__
from paperwire.feeds.atom import EMPTY_FEED_UPDATED, MEDIA_TYPES
from paperwire.feeds.routes import plain_error
from paperwire.http.conditional import is_not_modified
from paperwire.http.deps import SettingsDep, StoreDep
from paperwire.http.params import answering_errors, check_paper_id
from paperwire.links import paper_url
from paperwire.models import Paper
from paperwire.normalize import strip_control
from paperwire.store.base_discussion import Comment
from paperwire.text import plain_text

router = APIRouter(prefix="/feeds", tags=["feeds"], route_class=answering_errors(plain_error))

#: The most comments the feed carries (the newest).
FEED_LIMIT = 200


def discussion_feed(
    paper: Paper, comments: Sequence[Comment], *, base_url: str, self_url: str
) -> bytes:
    """The Atom document of ``comments`` (newest first) under ``paper``."""
    page = f"{base_url.rstrip('/')}{paper_url(paper.id)}"
    title = plain_text(paper.title)
    fg = FeedGenerator()
    fg.id(self_url)
    fg.title(strip_control(f"Discussion: {title}"))
    fg.subtitle(strip_control(f"Comments on “{title}” on paperwire, the newest first."))
    fg.link(href=self_url, rel="self", type="application/atom+xml")
    fg.link(href=f"{page}#discussion", rel="alternate", type="text/html")
    fg.language("en")
    fg.generator("paperwire", version=__version__)
    newest = max((c.edited_at or c.created_at for c in comments), default=EMPTY_FEED_UPDATED)
    fg.updated(newest)
    for comment in comments:
        fe = fg.add_entry(order="append")
        link = f"{page}#comment-{comment.id}"
        fe.id(link)
        fe.title(strip_control(f"{comment.author} on “{title}”"))
        fe.link(href=link, rel="alternate", type="text/html")
        fe.author({"name": comment.author})
        fe.published(comment.created_at)
        fe.updated(comment.edited_at or comment.created_at)
        fe.content(comment.body_html, type="html")
    body: bytes = fg.atom_str(pretty=True)
    return body


async def comments_feed(
    request: Request, paper_id: str, store: StoreDep, settings: SettingsDep
) -> Response:
    """The comments of a paper's discussion, the newest first."""
    check_paper_id(paper_id, "paper_id")  # 400 naming it (answering_errors)
    paper = store.get_paper(paper_id)
    if paper is None:
        raise HTTPException(404, "Not Found")
    visible = [c for c in store.paper_comments(paper.id) if c.is_visible]
    newest = sorted(visible, key=lambda c: c.id, reverse=True)[:FEED_LIMIT]
    self_url = f"{settings.base_url.rstrip('/')}{request.url.path}"
    body = discussion_feed(paper, newest, base_url=settings.base_url, self_url=self_url)
    etag = f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if is_not_modified(request.headers, etag, None):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=MEDIA_TYPES["atom"], headers=headers)


router.add_api_route(
    "/discussion/{paper_id:path}.atom",
    comments_feed,
    methods=["GET"],
    name="feed_discussion_atom",
    summary="A paper's discussion (Atom)",
    response_class=Response,
)
