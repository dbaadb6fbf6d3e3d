"""The notifier's HTTP interface: the delivery log (subscriptions and the email
outbox in their own modules)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import select

from ec_notifier.http.context import Context, NotifierContext
from ec_notifier.http.dispatcher import add_dispatcher_routes
from ec_notifier.http.outbox import add_outbox_routes
from ec_notifier.http.subscriptions import add_subscription_routes
from ec_notifier.http.views import DeliveryDetail, DeliveryView, Status
from ec_notifier.store.claims import NotFailed, NotFound
from ec_platform.http.auth import Operator, Reader
from ec_platform.http.openapi import problems
from ec_platform.http.pagination import Page, Paging, TimeIdKeyset, keyset_page
from ec_platform.http.problems import ProblemError


def build_router() -> APIRouter:
    router = APIRouter(tags=["notifier"])

    @router.get(
        "/v1/deliveries",
        summary="The delivery log, oldest first",
        response_model=Page[DeliveryView],
    )
    async def list_deliveries(
        context: Context,
        _: Reader,
        paging: Paging,
        escalation_id: UUID | None = None,
        status: Status | None = None,
    ) -> dict[str, Any]:
        table = context.tables.deliveries
        query = select(table)
        if escalation_id is not None:
            query = query.where(table.c.escalation_id == escalation_id)
        if status is not None:
            query = query.where(table.c.status == status)
        keyset = TimeIdKeyset(table.c.created_at, table.c.id, "created_at", "id")
        return await keyset_page(context.db, keyset, query, paging, view=delivery_view)

    @router.get(
        "/v1/deliveries/{delivery_id}",
        summary="One delivery, with its text",
        response_model=DeliveryDetail,
    )
    async def get_delivery(context: Context, _: Reader, delivery_id: UUID) -> dict[str, Any]:
        row = await _delivery(context, delivery_id)
        return {**delivery_view(row), "body": row["body"]}

    @router.post(
        "/v1/deliveries/{delivery_id}/retry",
        status_code=202,
        summary="Send a failed delivery again (a fresh set of attempts)",
        response_model=DeliveryView,
        responses=problems(409, why={409: "only a failed delivery can be retried"}),
    )
    async def retry_delivery(context: Context, _: Operator, delivery_id: UUID) -> JSONResponse:
        try:
            await context.claims.retry(delivery_id, now=context.clock())
        except NotFound:
            raise ProblemError(404, "Not Found", f"no delivery {delivery_id}") from None
        except NotFailed as error:
            raise ProblemError(
                409,
                "Conflict",
                f"only a failed delivery can be retried; this one is {error.status}",
                type="/problems/delivery-not-failed",
            ) from None
        context.doorbell.ring()
        return JSONResponse(delivery_view(await _delivery(context, delivery_id)), status_code=202)

    add_subscription_routes(router)
    add_outbox_routes(router)
    add_dispatcher_routes(router)
    return router


async def _delivery(context: NotifierContext, delivery_id: UUID) -> dict[str, Any]:
    table = context.tables.deliveries
    async with context.db.read() as conn:
        row = (await conn.execute(select(table).where(table.c.id == delivery_id))).first()
    if row is None:
        raise ProblemError(404, "Not Found", f"no delivery {delivery_id}")
    return dict(row._mapping)


def _time(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def delivery_view(row: dict[str, Any]) -> dict[str, Any]:
    waiting = row["status"] in ("pending", "sending")
    return {
        "id": str(row["id"]),
        "event_id": str(row["event_id"]),
        "event_type": row["event_type"],
        "escalation_id": str(row["escalation_id"]),
        "channel": row["channel"],
        "recipient": row["recipient"],
        "recipient_name": row["recipient_name"],
        "role": row["role"],
        "subject": row["subject"],
        "status": row["status"],
        "attempts": row["attempts"],
        "last_error": row["last_error"],
        "created_at": _time(row["created_at"]),
        "updated_at": _time(row["updated_at"]),
        # For a delivery being sent, the end of its claim's lease.
        "next_attempt_at": _time(row["next_attempt_at"]) if waiting else None,
        "delivered_at": _time(row["delivered_at"]),
    }
