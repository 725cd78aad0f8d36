"""One module per page; ``ROUTERS`` lists their routers in the order they are mounted."""

from fastapi import APIRouter

ROUTERS: list[APIRouter] = []
