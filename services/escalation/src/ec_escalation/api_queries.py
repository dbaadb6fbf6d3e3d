"""Queries: the board, one escalation (now or as of a past moment), its events
and timeline, and the active criteria."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Select, or_, select

from ec_escalation.api import context_of
from ec_escalation.state import Status
from ec_escalation.tables import Tables
from ec_escalation.views import board_item, escalation_view, event_view, timeline_entry
from ec_platform.auth import Reader
from ec_platform.pagination import DEFAULT_LIMIT, MAX_LIMIT, TimeIdKeyset
from ec_platform.problems import ProblemError


@dataclass(frozen=True)
class BoardFilters:
    state: str | None
    level: int | None
    customer_id: str | None
    manager_id: str | None
    incident_id: UUID | None
    overdue: bool | None


def _board_keyset(tables: Tables) -> TimeIdKeyset:
    board = tables.board
    return TimeIdKeyset(board.c.started_at, board.c.escalation_id, "started_at", "escalation_id")


def _filtered(
    query: Select[Any], tables: Tables, filters: BoardFilters, *, now: datetime
) -> Select[Any]:
    board, links = tables.board, tables.incident_links
    for column, value in (
        (board.c.status, filters.state),
        (board.c.level, filters.level),
        (board.c.customer_id, filters.customer_id),
        (board.c.manager_id, filters.manager_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if filters.incident_id is not None:
        linked = select(links.c.escalation_id).where(links.c.incident_id == filters.incident_id)
        query = query.where(board.c.escalation_id.in_(linked))
    if filters.overdue:
        query = query.where(
            board.c.status.in_(("active", "monitoring")),
            or_(
                board.c.review_by < now,
                board.c.next_update_due < now,
                (board.c.status == "monitoring") & (board.c.monitoring_ends_at < now),
            ),
        )
    return query


def build_router() -> APIRouter:
    router = APIRouter(tags=["escalations"])

    @router.get("/v1/escalations", summary="The board: escalations, filtered and paginated")
    async def list_escalations(
        request: Request,
        _: Reader,
        state: Status | None = None,
        level: Annotated[int | None, Query(ge=1)] = None,
        customer_id: str | None = None,
        manager_id: str | None = None,
        incident_id: UUID | None = None,
        overdue: Annotated[
            bool | None, Query(description="plan review, next update or monitoring end passed")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        context = context_of(request)
        store = context.escalations.store
        keyset = _board_keyset(store.tables)
        query = keyset.page_query(select(store.tables.board), cursor=cursor, limit=limit)
        query = _filtered(
            query,
            store.tables,
            BoardFilters(state, level, customer_id, manager_id, incident_id, overdue),
            now=context.escalations.clock(),
        )
        async with store.db.read() as conn:
            rows = [dict(r._mapping) for r in await conn.execute(query)]
        page, following = keyset.page(rows, limit=limit)
        return {"items": [board_item(row) for row in page], "next": following}

    @router.get(
        "/v1/escalations/{escalation_id}", summary="One escalation, rebuilt from its events"
    )
    async def get_escalation(
        request: Request,
        escalation_id: UUID,
        _: Reader,
        as_of: Annotated[datetime | None, Query(description="the state as it was then")] = None,
    ) -> JSONResponse:
        escalations = context_of(request).escalations
        store = escalations.store
        if as_of is not None and as_of.tzinfo is None:
            raise ProblemError(
                422,
                "Invalid input",
                "as_of: must carry a time zone",
                errors=[{"field": "as_of", "message": "must carry a time zone"}],
            )
        async with store.db.read() as conn:
            state = (
                await store.load_as_of(conn, escalation_id, as_of)
                if as_of is not None
                else await store.load(
                    conn, escalation_id, known=escalations.cache.get(escalation_id)
                )
            )
        if state is None:
            detail = f"no escalation {escalation_id}" + (
                f" as of {as_of.isoformat()}" if as_of else ""
            )
            raise ProblemError(404, "Not Found", detail)
        return JSONResponse(escalation_view(state), headers={"ETag": f'"{state.version}"'})

    @router.get(
        "/v1/escalations/{escalation_id}/events", summary="One escalation's events, in order"
    )
    async def escalation_events(request: Request, escalation_id: UUID, _: Reader) -> dict[str, Any]:
        store = context_of(request).escalations.store
        async with store.db.read() as conn:
            stored = await store.log.read_stream(conn, str(escalation_id))
        if not stored:
            raise ProblemError(404, "Not Found", f"no escalation {escalation_id}")
        return {"items": [event_view(s) for s in stored], "next": None}

    @router.get("/v1/escalations/{escalation_id}/timeline", summary="One escalation, told in order")
    async def timeline(request: Request, escalation_id: UUID, _: Reader) -> dict[str, Any]:
        store = context_of(request).escalations.store
        async with store.db.read() as conn:
            stored = await store.log.read_stream(conn, str(escalation_id))
        if not stored:
            raise ProblemError(404, "Not Found", f"no escalation {escalation_id}")
        return {"items": [timeline_entry(s) for s in stored], "next": None}

    @router.get("/v1/criteria", summary="The active escalation rules and their version")
    async def criteria(request: Request, _: Reader) -> dict[str, Any]:
        rules = context_of(request).rules
        return rules.model_dump(mode="json")

    return router
