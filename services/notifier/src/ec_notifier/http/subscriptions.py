"""Subscriptions: other systems ask for escalation events as signed webhooks."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ec_notifier.domain.routing import ESCALATION_EVENTS
from ec_notifier.domain.suspension import NotSuspended
from ec_notifier.http.context import Context
from ec_notifier.http.views import SubscriptionCreated, SubscriptionView
from ec_notifier.store.subscriptions import NoSuchSubscription
from ec_platform.http.auth import Admin
from ec_platform.http.openapi import problems
from ec_platform.http.pagination import Page, Paging
from ec_platform.http.problems import ProblemError, invalid_input
from ec_platform.http.requests import body_schema, parse_json_body, read_body
from ec_platform.outbound.policy import OutboundRefused
from ec_platform.outbound.transport import check_destination


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Annotated[str, Field(min_length=1, max_length=2000)]
    event_types: list[str] | None = Field(
        default=None, description="escalation event names; none or empty means every event"
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an absolute http or https URL")
        if parts.username or parts.password:
            raise ValueError("must not carry credentials; the signature authenticates us")
        if parts.fragment:
            raise ValueError("must not have a fragment")
        return value

    @field_validator("event_types")
    @classmethod
    def _known(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        unknown = sorted(set(value) - ESCALATION_EVENTS)
        if unknown:
            raise ValueError(f"not escalation events: {', '.join(unknown)}")
        return sorted(set(value)) or None


def add_subscription_routes(router: APIRouter) -> None:
    @router.post(
        "/v1/subscriptions",
        status_code=201,
        summary="Subscribe a URL to escalation events; answers its secret once",
        description="`url` must be one the outbound policy allows: http(s), and no address "
        "that is not global (loopback, private, link-local…) unless its network is in "
        "EC_OUTBOUND_ALLOWED_NETWORKS; else 422 naming `url`.",
        openapi_extra=body_schema(SubscriptionIn),
        response_model=SubscriptionCreated,
    )
    async def create_subscription(request: Request, context: Context, who: Admin) -> JSONResponse:
        wanted = parse_json_body(
            SubscriptionIn, await read_body(request, max_bytes=context.max_body_bytes)
        )
        try:
            await check_destination(context.outbound, wanted.url, context.resolver)
        except OutboundRefused as error:
            raise invalid_input("url", str(error)) from None
        subscription, secret = await context.subscriptions.create(
            url=wanted.url, event_types=wanted.event_types, by=who.name, now=context.clock()
        )
        return JSONResponse(
            {**subscription.view(), "secret": secret},
            status_code=201,
            headers={"Location": f"/v1/subscriptions/{subscription.id}"},
        )

    @router.get(
        "/v1/subscriptions",
        summary="The subscriptions (never their secrets)",
        response_model=Page[SubscriptionView],
    )
    async def list_subscriptions(context: Context, _: Admin, paging: Paging) -> dict[str, Any]:
        page, following = await context.subscriptions.page(paging)
        return {"items": [s.view() for s in page], "next": following}

    @router.get(
        "/v1/subscriptions/{subscription_id}",
        summary="One subscription",
        response_model=SubscriptionView,
    )
    async def get_subscription(context: Context, _: Admin, subscription_id: UUID) -> dict[str, Any]:
        found = await context.subscriptions.get(subscription_id)
        if found is None:
            raise ProblemError(404, "Not Found", f"no subscription {subscription_id}")
        return found.view()

    @router.delete(
        "/v1/subscriptions/{subscription_id}",
        status_code=204,
        summary="Unsubscribe; deliveries not yet made fail as the subscription is gone",
    )
    async def delete_subscription(context: Context, _: Admin, subscription_id: UUID) -> Response:
        if not await context.subscriptions.delete(subscription_id, now=context.clock()):
            raise ProblemError(404, "Not Found", f"no subscription {subscription_id}")
        return Response(status_code=204)

    add_resume_route(router)


def add_resume_route(router: APIRouter) -> None:
    @router.post(
        "/v1/subscriptions/{subscription_id}/resume",
        status_code=202,
        summary="Resume a suspended subscription; what it missed is sent again",
        response_model=SubscriptionView,
        responses=problems(409, why={409: "only a suspended subscription can be resumed"}),
    )
    async def resume_subscription(
        context: Context, _: Admin, subscription_id: UUID
    ) -> JSONResponse:
        try:
            await context.subscriptions.resume(subscription_id, now=context.clock())
        except NoSuchSubscription:
            raise ProblemError(404, "Not Found", f"no subscription {subscription_id}") from None
        except NotSuspended as error:
            raise ProblemError(
                409, "Conflict", str(error), type="/problems/subscription-not-suspended"
            ) from None
        context.doorbell.ring()
        resumed = await context.subscriptions.get(subscription_id)
        if resumed is None:  # deleted meanwhile
            raise ProblemError(404, "Not Found", f"no subscription {subscription_id}")
        return JSONResponse(resumed.view(), status_code=202)
