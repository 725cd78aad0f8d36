"""Operations: ``/healthz`` (is the database answering?) and ``/metrics`` (Prometheus)."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from paperwire.http.deps import SettingsDep, StoreDep
from paperwire.web.metrics import render_metrics

router = APIRouter(include_in_schema=False)
log = logging.getLogger("paperwire.web")

NO_STORE = {"Cache-Control": "no-store"}


@router.get("/healthz")
async def healthz(store: StoreDep) -> PlainTextResponse:
    """200 ``ok`` when the database answers a query; 503 otherwise."""
    try:
        store.max_revision()
    except Exception as exc:
        log.warning("health check failed: %s: %s", type(exc).__name__, exc)
        return PlainTextResponse("database unavailable\n", status_code=503, headers=NO_STORE)
    return PlainTextResponse("ok\n", headers=NO_STORE)


@router.get("/metrics")
async def metrics(store: StoreDep, settings: SettingsDep) -> Response:
    return Response(
        render_metrics(store, settings), media_type=CONTENT_TYPE_LATEST, headers=NO_STORE
    )
