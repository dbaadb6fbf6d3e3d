"""The notifier's HTTP interface."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from sqlalchemy import select

from ec_notifier.deliveries import DeliveryLog
from ec_platform.auth import Reader
from ec_platform.pagination import DEFAULT_LIMIT, MAX_LIMIT, TimeIdKeyset


@dataclass(frozen=True)
class NotifierContext:
    deliveries: DeliveryLog


def build_router() -> APIRouter:
    router = APIRouter(tags=["notifier"])

    @router.get("/v1/deliveries", summary="The delivery log")
    async def list_deliveries(
        request: Request,
        _: Reader,
        escalation_id: UUID | None = None,
        status: str | None = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        context: NotifierContext = request.app.state.notifier
        log = context.deliveries
        table = log.tables.deliveries
        keyset = TimeIdKeyset(table.c.created_at, table.c.id, "created_at", "id")
        query = keyset.page_query(select(table), cursor=cursor, limit=limit)
        if escalation_id is not None:
            query = query.where(table.c.escalation_id == escalation_id)
        if status is not None:
            query = query.where(table.c.status == status)
        async with log.db.read() as conn:
            rows = [dict(r._mapping) for r in await conn.execute(query)]
        page, following = keyset.page(rows, limit=limit)
        return {"items": [_view(row) for row in page], "next": following}

    return router


def _view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "event_id": str(row["event_id"]),
        "event_type": row["event_type"],
        "escalation_id": str(row["escalation_id"]),
        "channel": row["channel"],
        "recipient": row["recipient"],
        "subject": row["subject"],
        "status": row["status"],
        "attempts": row["attempts"],
        "last_error": row["last_error"],
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
        "delivered_at": row["delivered_at"].isoformat() if row["delivered_at"] else None,
    }
