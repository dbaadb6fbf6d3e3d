"""The intake's HTTP interface: the normalised incident and the platforms' own
webhooks (and, in api_incidents, reading what came in)."""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ec_intake.api_incidents import add_incident_routes
from ec_intake.context import Context, IntakeContext
from ec_intake.domain import IncidentIn
from ec_intake.store import Accepted, Report
from ec_intake.webhooks import (
    BadSignature,
    InvalidPayload,
    NotAnIncident,
    delivery_id_of,
    to_incidents,
    verify_request,
)
from ec_platform.http.auth import IntakeCaller, require
from ec_platform.http.openapi import BEARER, problems
from ec_platform.http.problems import ProblemError, invalid_input
from ec_platform.http.requests import body_schema, parse_json_body, read_body

_intake_role = require("intake")


class IncidentAccepted(BaseModel):
    id: UUID = Field(description="the incident's id (one per source and external_id)")
    source: str
    external_id: str
    events: list[str] = Field(description="IncidentReported, IncidentUpdated…; none if unchanged")
    event_ids: list[UUID]
    changed: bool
    ignored: str | None = Field(
        default=None,
        description="why this delivery changed nothing: duplicate (its event was taken "
        "before) or older (it happened before what is known of the incident); null if taken",
    )


class WebhookAccepted(BaseModel):
    incidents: list[IncidentAccepted]


class WebhookIgnored(BaseModel):
    ignored: bool = Field(description="always true: nothing was recorded")
    reason: str = Field(description="ping, event_type, record_type or no_alerts")
    detail: str
    incidents: list[IncidentAccepted] = Field(description="always empty")


def _view(incoming: IncidentIn, accepted: Accepted) -> dict[str, Any]:
    return {
        "id": str(accepted.incident_id),
        "source": incoming.source,
        "external_id": incoming.external_id,
        "events": list(accepted.events),
        "event_ids": [str(i) for i in accepted.event_ids],
        "changed": bool(accepted.events),
        "ignored": accepted.ignored,
    }


async def _record(
    context: IntakeContext,
    incoming: list[IncidentIn],
    actor: tuple[str, str],
    delivery_id: str | None = None,
) -> list[Accepted]:
    accepted = await context.recorder.record([Report(i, actor, delivery_id) for i in incoming])
    if any(a.events for a in accepted):
        context.relay.wake()
    for incident, verdict in zip(incoming, accepted, strict=True):
        if verdict.ignored is not None:
            context.stale.labels(incident.source, verdict.ignored).inc()
    for incident in incoming:
        if not incident.customer_resolved:
            context.unresolved.labels(incident.source).inc()
    return accepted


def _ignored(context: IntakeContext, source: str, ignored: NotAnIncident) -> JSONResponse:
    context.ignored.labels(source, ignored.reason).inc()
    return JSONResponse(
        {"ignored": True, "reason": ignored.reason, "detail": ignored.detail, "incidents": []},
        status_code=200,
    )


def build_router() -> APIRouter:
    router = APIRouter(tags=["intake"])

    @router.post(
        "/v1/incidents",
        status_code=202,
        summary="Report an incident (normalised form)",
        openapi_extra=body_schema(IncidentIn),
        response_model=IncidentAccepted,
        responses={202: {"description": "durably recorded; events follow on the incidents topic"}},
    )
    async def post_incident(
        request: Request, context: Context, caller: IntakeCaller
    ) -> JSONResponse:
        try:
            body = await read_body(request, max_bytes=context.settings.intake_max_body_bytes)
            incoming = parse_json_body(IncidentIn, body)
        except ProblemError as problem:
            context.rejected.labels("incidents", problem.type).inc()
            raise
        [accepted] = await _record(context, [incoming], (caller.role, caller.name))
        return JSONResponse(_view(incoming, accepted), status_code=202)

    @router.post(
        "/v1/webhooks/{source}",
        status_code=202,
        summary="A platform's own webhook: servicenow, jira, pagerduty, alertmanager, …",
        description="A source configured with a secret signs its webhooks (no token "
        "needed); any other needs a token of role intake.",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            # Either signed or authorised: the empty entry makes the token optional.
            "security": [{BEARER: []}, {}],
        },
        response_model=WebhookAccepted,
        responses={
            200: {
                "model": WebhookIgnored,
                "description": "an authentic delivery that holds no incident (a test ping, "
                "another event type): acknowledged, nothing recorded",
            },
            202: {"description": "every incident in it durably recorded"},
            **problems(401, why={401: "a bad signature, or no token for an unsigned source"}),
            **problems(404, why={404: "no such source"}),
        },
    )
    async def post_webhook(request: Request, context: Context, source: str) -> JSONResponse:
        try:
            incoming, actor, delivery_id = await _read_webhook(request, context, source)
        except ProblemError as problem:
            context.rejected.labels(
                source if source in context.sources else "unknown", problem.type
            ).inc()
            raise
        except NotAnIncident as ignored:
            return _ignored(context, source, ignored)
        accepted = await _record(context, incoming, actor, delivery_id)
        return JSONResponse(
            {"incidents": [_view(i, a) for i, a in zip(incoming, accepted, strict=True)]},
            status_code=202,
        )

    add_incident_routes(router)
    return router


async def _read_webhook(
    request: Request, context: IntakeContext, source: str
) -> tuple[list[IncidentIn], tuple[str, str], str | None]:
    config = context.sources.get(source)
    if config is None:
        raise ProblemError(
            404,
            "Not Found",
            # The configured sources are not listed: they would tell anyone
            # which platforms feed this deployment.
            "unknown webhook source",
            type="/problems/unknown-source",
        )
    body = await read_body(request, max_bytes=context.settings.intake_max_body_bytes)
    try:
        signed = verify_request(config.signature, request.headers, body, now=time.time())
    except BadSignature as error:
        raise ProblemError(
            401, "Unauthorized", str(error), type="/problems/bad-signature"
        ) from None
    if signed:
        actor = ("intake", f"webhook:{source}")
    else:
        caller = await _intake_role(request)  # no secret for this source: a token must say who
        actor = (caller.role, caller.name)
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise ProblemError(
            400,
            "Malformed JSON",
            f"the body is not valid JSON: {error}",
            type="/problems/malformed-json",
        ) from None
    try:
        # NotAnIncident passes: not a refusal, the route acknowledges it.
        return to_incidents(payload, config), actor, delivery_id_of(payload, config)
    except InvalidPayload as error:
        raise invalid_input(error.field, error.message) from None
