"""``/feeds/lists/{list}.atom`` (and ``.rss``): the papers of a list its reader shared,
the last added first. A private list, or a number no list has, is the same plain-text
404 as an unknown address. Feed readers revalidate every poll (``no-cache`` with the
ETag), so a list made private stops being served at once."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from paperwire.feeds.atom import KINDS
from paperwire.feeds.routes import feed_response, plain_error
from paperwire.http.deps import SettingsDep, StoreDep
from paperwire.http.params import answering_errors, public_list

router = APIRouter(prefix="/feeds", tags=["feeds"], route_class=answering_errors(plain_error))

#: The most papers a list's feed carries (the last added).
FEED_LIMIT = 200


async def list_feed(
    request: Request, list_id: str, store: StoreDep, settings: SettingsDep
) -> Response:
    """The papers of a shared list, the last added first."""
    found = public_list(store, list_id, "list_id")
    if found is None:
        raise HTTPException(404, "Not Found")
    ids = store.list_paper_ids(found.id, limit=FEED_LIMIT)
    stored = store.get_papers(ids)
    page = f"{settings.base_url.rstrip('/')}/lists/{found.id}"
    response = feed_response(
        request,
        settings,
        title=f"paperwire: {found.name}",
        subtitle=f"The papers of the reading list “{found.name}”, the last added first.",
        page_url=page,
        papers=[stored[pid] for pid in ids if pid in stored],
    )
    response.headers["cache-control"] = "no-cache"
    return response


for _kind in KINDS:
    router.add_api_route(
        f"/lists/{{list_id}}.{_kind}",
        list_feed,
        methods=["GET"],
        name=f"feed_list_{_kind}",
        summary=f"A shared reading list ({'Atom' if _kind == 'atom' else 'RSS'})",
        response_class=Response,
    )
