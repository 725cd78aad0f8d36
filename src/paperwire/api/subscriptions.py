"""The subscriptions API: subscribe to email digests."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
