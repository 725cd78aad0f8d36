"""One module per page; ``ROUTERS`` lists their routers in the order they are mounted."""

from fastapi import APIRouter

from paperwire.web.pages import account, home, paper, search, submit, subscribe, trending

ROUTERS: list[APIRouter] = [
    home.router,
    trending.router,
    search.router,
    subscribe.router,
    paper.router,
    account.router,
    submit.router,
]
