"""The intake's HTTP interface."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ec_intake.domain import IncidentIn
from ec_intake.settings import IntakeSettings
from ec_intake.store import IncidentStore
from ec_platform.auth import IntakeCaller
from ec_platform.clock import Clock
from ec_platform.relay import Relay
from ec_platform.requests import parse_json_body, read_body


@dataclass(frozen=True)
class IntakeContext:
    settings: IntakeSettings
    store: IncidentStore
    relay: Relay
    clock: Clock


def _incident_body_schema() -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": IncidentIn.model_json_schema()}},
        }
    }


def build_router() -> APIRouter:
    router = APIRouter(tags=["intake"])

    @router.post(
        "/v1/incidents",
        status_code=202,
        summary="Report an incident (normalised form)",
        openapi_extra=_incident_body_schema(),
        responses={202: {"description": "durably recorded; events follow on the incidents topic"}},
    )
    async def post_incident(request: Request, caller: IntakeCaller) -> JSONResponse:
        context: IntakeContext = request.app.state.intake
        body = await read_body(request, max_bytes=context.settings.intake_max_body_bytes)
        incoming = parse_json_body(IncidentIn, body)
        accepted = await context.store.record(
            incoming, principal=(caller.role, caller.name), now=context.clock()
        )
        if accepted.events:
            context.relay.wake()
        return JSONResponse(
            {
                "id": str(accepted.incident_id),
                "source": incoming.source,
                "external_id": incoming.external_id,
                "events": list(accepted.events),
                "event_ids": [str(i) for i in accepted.event_ids],
                "changed": bool(accepted.events),
            },
            status_code=202,
        )

    return router
