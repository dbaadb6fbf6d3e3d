"""What came in and what came of it: the decision on each incident event the
service consumed (started, reopened, linked to an open escalation, or nothing)
and the rules that fired or did not. Under /v1/incidents/{id}/, beside the
intake's own GET /v1/incidents and /v1/incidents/{id}."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ec_escalation.http.context import Context, not_found
from ec_escalation.http.schemas import IncidentDecisionView, Page
from ec_escalation.http.views import decision_view
from ec_escalation.use_cases import reads
from ec_platform.http.auth import Reader
from ec_platform.http.pagination import Paging


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
        paging: Paging,
    ) -> JSONResponse:
        page = await reads.decisions(context.escalations, incident_id, paging, view=decision_view)
        if page is None:
            raise not_found(f"the escalation service has not received incident {incident_id}")
        return JSONResponse(page)

    return router
