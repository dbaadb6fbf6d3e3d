"""What came in and what came of it: the decision on each incident event the
service consumed (started, reopened, linked to an open escalation, or nothing)
and the rules that fired or did not. Under /v1/incidents/{id}/, beside the
intake's own GET /v1/incidents and /v1/incidents/{id}."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from ec_escalation import queries
from ec_escalation.api_context import Context, not_found
from ec_escalation.schemas import IncidentDecisionView, Page
from ec_escalation.views import decision_view
from ec_platform.auth import Reader
from ec_platform.pagination import MAX_LIMIT


def build_router() -> APIRouter:
    router = APIRouter(tags=["incident decisions"])

    @router.get(
        "/v1/incidents/{incident_id}/decisions",
        summary="What the escalation service decided on each of an incident's events, and why",
        response_model=Page[IncidentDecisionView],
    )
    async def incident_decisions(
        incident_id: UUID,
        context: Context,
        _: Reader,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
        cursor: str | None = None,
    ) -> JSONResponse:
        page = await queries.decisions_page(
            context.escalations.store, incident_id, cursor=cursor, limit=limit
        )
        if page is None:
            raise not_found(f"the escalation service has not received incident {incident_id}")
        rows, following = page
        return JSONResponse({"items": [decision_view(row) for row in rows], "next": following})

    return router
