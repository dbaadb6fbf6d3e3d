"""The monitor's HTTP interface."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from ec_monitor.context import Context
from ec_monitor.policy import TimerKind
from ec_platform.http.auth import Reader
from ec_platform.http.openapi import Timestamp
from ec_platform.http.pagination import Page, Paging, TimeIdKeyset, keyset_page

# Filters are checked against what a timer can be, so a typo is a 422, not an empty page.
TimerStatus = Literal["pending", "fired", "cancelled"]


class TimerView(BaseModel):
    id: UUID
    escalation_id: UUID
    kind: str = Field(description="monitoring_period, plan_review, progress_update or auto_raise")
    status: TimerStatus = Field(description="pending, fired or cancelled")
    due_at: Timestamp
    level: int | None = Field(description="auto_raise: the level it watches")
    round: int | None = Field(description="monitoring_period: which monitoring round")
    plan_version: int | None = Field(description="plan_review: the plan it is about")
    since_version: int | None = Field(
        description="progress_update: the escalation's version the update is due after"
    )
    created_at: Timestamp
    fired_at: Timestamp | None
    cancelled_at: Timestamp | None


def build_router() -> APIRouter:
    router = APIRouter(tags=["monitor"])

    @router.get(
        "/v1/timers",
        summary="Pending and fired timers, soonest first",
        response_model=Page[TimerView],
    )
    async def list_timers(
        context: Context,
        _: Reader,
        paging: Paging,
        escalation_id: UUID | None = None,
        kind: TimerKind | None = None,
        status: TimerStatus | None = None,
    ) -> dict[str, Any]:
        book = context.timers
        table = book.tables.timers
        query = select(table)
        for column, value in (
            (table.c.escalation_id, escalation_id),
            (table.c.kind, kind),
            (table.c.status, status),
        ):
            if value is not None:
                query = query.where(column == value)
        keyset = TimeIdKeyset(table.c.due_at, table.c.id, "due_at", "id")
        return await keyset_page(book.db, keyset, query, paging, view=_view)

    return router


def _view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "escalation_id": str(row["escalation_id"]),
        "kind": row["kind"],
        "status": row["status"],
        "due_at": row["due_at"].isoformat(),
        "level": row["level"],
        "round": row["round"],
        "plan_version": row["plan_version"],
        "since_version": row["since_version"],
        "created_at": row["created_at"].isoformat(),
        "fired_at": row["fired_at"].isoformat() if row["fired_at"] else None,
        "cancelled_at": row["cancelled_at"].isoformat() if row["cancelled_at"] else None,
    }
