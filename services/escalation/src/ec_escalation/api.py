"""The escalation service's HTTP interface: queries now, commands as they land."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select

from ec_escalation.criteria import RuleSet
from ec_escalation.store import EscalationStore
from ec_escalation.views import escalation_view, event_view
from ec_platform.auth import Reader
from ec_platform.clock import Clock
from ec_platform.pagination import DEFAULT_LIMIT, MAX_LIMIT, TimeIdKeyset
from ec_platform.problems import ProblemError
from ec_platform.relay import Relay


@dataclass(frozen=True)
class EscalationContext:
    store: EscalationStore
    rules: RuleSet
    relay: Relay
    clock: Clock


def _context(request: Request) -> EscalationContext:
    context: EscalationContext = request.app.state.escalation
    return context


def build_router() -> APIRouter:
    router = APIRouter(tags=["escalations"])

    @router.get("/v1/escalations", summary="The board: escalations, filtered and paginated")
    async def list_escalations(
        request: Request,
        _: Reader,
        state: str | None = None,
        level: Annotated[int | None, Query(ge=1)] = None,
        customer_id: str | None = None,
        manager_id: str | None = None,
        incident_id: UUID | None = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        store = _context(request).store
        board, links = store.tables.board, store.tables.incident_links
        keyset = TimeIdKeyset(
            board.c.started_at, board.c.escalation_id, "started_at", "escalation_id"
        )
        query = keyset.page_query(select(board), cursor=cursor, limit=limit)
        for column, value in (
            (board.c.status, state),
            (board.c.level, level),
            (board.c.customer_id, customer_id),
            (board.c.manager_id, manager_id),
        ):
            if value is not None:
                query = query.where(column == value)
        if incident_id is not None:
            linked = select(links.c.escalation_id).where(links.c.incident_id == incident_id)
            query = query.where(board.c.escalation_id.in_(linked))
        async with store.db.read() as conn:
            rows = [dict(r._mapping) for r in await conn.execute(query)]
        page, following = keyset.page(rows, limit=limit)
        return {"items": [_board_item(row) for row in page], "next": following}

    @router.get(
        "/v1/escalations/{escalation_id}", summary="One escalation, rebuilt from its events"
    )
    async def get_escalation(
        request: Request, escalation_id: UUID, _: Reader, as_of: datetime | None = None
    ) -> JSONResponse:
        store = _context(request).store
        async with store.db.read() as conn:
            state, _events = await store.load(conn, escalation_id, as_of=as_of)
        if state is None:
            raise ProblemError(404, "Not Found", f"no escalation {escalation_id}")
        return JSONResponse(escalation_view(state), headers={"ETag": f'"{state.version}"'})

    @router.get(
        "/v1/escalations/{escalation_id}/events", summary="One escalation's events, in order"
    )
    async def escalation_events(request: Request, escalation_id: UUID, _: Reader) -> dict[str, Any]:
        store = _context(request).store
        async with store.db.read() as conn:
            stored = await store.log.read_stream(conn, str(escalation_id))
        if not stored:
            raise ProblemError(404, "Not Found", f"no escalation {escalation_id}")
        return {"items": [event_view(s) for s in stored], "next": None}

    return router


def _board_item(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(row["escalation_id"]),
        "state": row["status"],
        "level": row["level"],
        "title": row["title"],
        "priority": row["priority"],
        "customer_id": row["customer_id"],
        "customer_name": row["customer_name"],
        "manager_id": row["manager_id"],
        "started_at": row["started_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
        "version": row["version"],
    }
