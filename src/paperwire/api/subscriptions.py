"""The subscriptions API: subscribe to email digests.

``POST /api/v1/subscriptions`` answers 202 with the same body whether or not the address
is already subscribed (nobody learns who is); a confirmation mail goes to the address,
and nothing else is sent there until its link is followed. One IP address may ask
``subscribe_limit_per_ip`` times per ``subscribe_limit_window`` (this API and the form
together); past that: 429 with ``Retry-After``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from paperwire.api.routes import ApiRoute
from paperwire.api.schemas import ErrorOut
from paperwire.digest.subscriptions import (
    MAX_CATEGORIES,
    MAX_TOPICS,
    ip_limit_wait,
    request_subscription,
    retry_after,
    send_now,
    validate_request,
)
from paperwire.http.deps import NowDep, SettingsDep, StoreDep

router = APIRouter(prefix="/api/v1", tags=["api"], route_class=ApiRoute)


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, Field(max_length=320, examples=["ada@example.org"])]
    frequency: Literal["daily", "weekly"] = "daily"
    categories: Annotated[
        list[Annotated[str, Field(max_length=40)]], Field(max_length=MAX_CATEGORIES)
    ] = []
    topics: Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=MAX_TOPICS)] = (
        Field(default=[], examples=[["token pruning", "saliency maps"]])
    )
    timezone: Annotated[str, Field(max_length=64, examples=["Europe/Paris"])] = "UTC"


class SubscriptionOut(BaseModel):
    status: Literal["pending"] = "pending"
    detail: str = Field(
        examples=["If the address can receive mail, a confirmation link is on its way."]
    )


@router.post(
    "/subscriptions",
    status_code=202,
    response_model=SubscriptionOut,
    responses={
        400: {"model": ErrorOut, "description": "A body that cannot be read as JSON."},
        422: {"model": ErrorOut, "description": "A field that cannot be used."},
        429: {
            "model": ErrorOut,
            "description": "Too many requests from this IP address: see `Retry-After`.",
        },
    },
)
def subscribe(
    request: Request,
    body: SubscriptionIn,
    store: StoreDep,
    settings: SettingsDep,
    background: BackgroundTasks,
    now: NowDep,
) -> SubscriptionOut | JSONResponse:
    """Ask for email digests: a confirmation link goes to ``email`` (double opt-in)."""
    req = validate_request(
        email=body.email,
        frequency=body.frequency,
        categories=body.categories,
        topics=body.topics,
        timezone=body.timezone,
        smtputf8=settings.mail_smtputf8,
    )
    if req.errors:
        detail = "; ".join(f"{name}: {message}" for name, message in req.errors.items())
        return JSONResponse({"detail": detail}, status_code=422)
    client = request.client.host if request.client else "unknown"
    wait = ip_limit_wait(store, settings, client=client, now=now)
    if wait is not None:
        return JSONResponse(
            {"detail": "too many subscription requests from this address: try again later"},
            status_code=429,
            headers={"Retry-After": retry_after(wait)},
        )
    message = request_subscription(store, settings, req)
    if message is not None:
        background.add_task(send_now, settings, message)
    return SubscriptionOut(
        detail="If the address can receive mail, a confirmation link is on its way."
    )
