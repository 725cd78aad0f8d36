"""The routers of the reader's library pages, in the order they are mounted: fixed
addresses (``/library/export``, ``/library/hidden``) before ``/library/{list}``."""

from fastapi import APIRouter

from paperwire.web.pages import (
    for_you,
    library,
    library_actions,
    library_files,
    public_lists,
    top_recent,
)

LIBRARY_ROUTERS: list[APIRouter] = [
    library_files.router,
    library_actions.router,
    for_you.router,
    library.router,
    public_lists.router,
    top_recent.router,
]
