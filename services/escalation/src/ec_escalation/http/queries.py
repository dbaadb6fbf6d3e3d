"""Queries over HTTP: the board, one escalation (now or as of a past moment),
its events and timeline, and the active criteria. The reads are in use_cases/reads.py."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from ec_escalation.domain.criteria import RuleSet
from ec_escalation.domain.state import Status
from ec_escalation.http.bodies import MAX_LEVEL
from ec_escalation.http.context import Context, not_found
from ec_escalation.http.schemas import BoardItem, EscalationView, Page, RecordedEvent, TimelineEntry
from ec_escalation.http.views import board_item, escalation_view, event_view, timeline_entry
from ec_escalation.use_cases import reads
from ec_platform.http.auth import Reader
from ec_platform.http.pagination import Paging
from ec_platform.inputs import Instant


def build_router() -> APIRouter:
    router = APIRouter(tags=["escalations"])

    @router.get(
        "/v1/escalations",
        summary="The board: escalations, filtered and paginated",
        response_model=Page[BoardItem],
    )
    async def list_escalations(
        context: Context,
        _: Reader,
        paging: Paging,
        state: Status | None = None,
        level: Annotated[int | None, Query(ge=1, le=MAX_LEVEL)] = None,
        customer_id: str | None = None,
        manager_id: str | None = None,
        incident_id: UUID | None = None,
        overdue: Annotated[
            bool | None, Query(description="plan review, next update or monitoring end passed")
        ] = None,
        include_withdrawn: Annotated[
            bool,
            Query(
                description="also list withdrawn escalations (hidden by default; "
                "`state=withdrawn` lists only them)"
            ),
        ] = False,
    ) -> JSONResponse:
        filters = reads.BoardFilters(
            state=state,
            level=level,
            customer_id=customer_id,
            manager_id=manager_id,
            incident_id=incident_id,
            overdue=overdue,
            include_withdrawn=include_withdrawn,
        )
        page = await reads.board(context.escalations, filters, paging, view=board_item)
        return JSONResponse(page)

    @router.get(
        "/v1/escalations/{escalation_id}",
        summary="One escalation, rebuilt from its events",
        response_model=EscalationView,
    )
    async def get_escalation(
        escalation_id: UUID,
        context: Context,
        _: Reader,
        as_of: Annotated[Instant | None, Query(description="the state as it was then")] = None,
    ) -> JSONResponse:
        state = await reads.escalation(context.escalations, escalation_id, as_of=as_of)
        if state is None:
            then = f" as of {as_of.isoformat()}" if as_of else ""
            raise not_found(f"no escalation {escalation_id}{then}")
        return JSONResponse(escalation_view(state), headers={"ETag": f'"{state.version}"'})

    @router.get(
        "/v1/escalations/{escalation_id}/events",
        summary="One escalation's events, in order",
        response_model=Page[RecordedEvent],
    )
    async def escalation_events(escalation_id: UUID, context: Context, _: Reader) -> JSONResponse:
        stored = await reads.stream(context.escalations, escalation_id)
        if not stored:
            raise not_found(f"no escalation {escalation_id}")
        return JSONResponse({"items": [event_view(s) for s in stored], "next": None})

    @router.get(
        "/v1/escalations/{escalation_id}/timeline",
        summary="One escalation, told in order",
        response_model=Page[TimelineEntry],
    )
    async def timeline(escalation_id: UUID, context: Context, _: Reader) -> JSONResponse:
        stored = await reads.stream(context.escalations, escalation_id)
        if not stored:
            raise not_found(f"no escalation {escalation_id}")
        return JSONResponse({"items": [timeline_entry(s) for s in stored], "next": None})

    @router.get(
        "/v1/criteria",
        summary="The active escalation rules and their version",
        response_model=RuleSet,
    )
    async def criteria(context: Context, _: Reader) -> JSONResponse:
        return JSONResponse(context.rules.model_dump(mode="json"))

    return router
