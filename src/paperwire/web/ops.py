"""Operations: /healthz and /metrics."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from paperwire.web.deps import StoreDep
from paperwire.web.metrics import REGISTRY

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
def healthz(store: StoreDep) -> PlainTextResponse:
    store.count_papers()
    return PlainTextResponse("ok\n")


@router.get("/metrics")
def metrics() -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
