"""Atom and RSS feeds."""

from fastapi import APIRouter

router = APIRouter(prefix="/feeds", tags=["feeds"])
