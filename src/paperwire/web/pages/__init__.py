"""One module per page; ``ROUTERS`` lists their routers in the order they are mounted."""

from fastapi import APIRouter

from paperwire.web.pages import (
    account,
    discussion,
    home,
    paper,
    search,
    submit,
    subscribe,
    trending,
)

ROUTERS: list[APIRouter] = [
    home.router,
    trending.router,
    search.router,
    subscribe.router,
    discussion.router,  # its POST routes end in /comments...; the paper's GET is below
    paper.router,
    account.router,
    submit.router,
]
