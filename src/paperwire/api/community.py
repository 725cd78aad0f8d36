"""The community API: upvotes and submissions to the daily feed."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
