"""Sign-in by emailed link, the reader's own page and sign-out."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
