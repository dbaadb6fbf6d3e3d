"""The auditors' interface: the whole history in global order, and its proof."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse

from ec_escalation.http.context import Context
from ec_escalation.http.schemas import Page, RecordedEvent, VerificationView
from ec_escalation.http.views import event_view
from ec_escalation.use_cases import reads
from ec_escalation.use_cases.escalations import Escalations
from ec_events.registry import EVENT_TYPES
from ec_platform.http.auth import Auditor
from ec_platform.http.problems import invalid_input
from ec_platform.inputs import DB_INT_MAX

NDJSON = "application/x-ndjson"


def build_router() -> APIRouter:
    router = APIRouter(tags=["audit"])

    @router.get(
        "/v1/events",
        summary="Every escalation event in global order (JSON pages, or NDJSON export)",
        response_model=Page[RecordedEvent],
        responses={
            200: {
                "content": {
                    NDJSON: {"schema": {"type": "string", "description": "one event per line"}}
                }
            }
        },
    )
    async def events(
        request: Request,
        context: Context,
        _: Auditor,
        after: Annotated[
            int, Query(ge=0, le=DB_INT_MAX, description="a position; 0 for the start")
        ] = 0,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
        type: Annotated[list[str] | None, Query(description="only these event types")] = None,
        format: Annotated[str | None, Query(pattern="^(json|ndjson)$")] = None,
    ) -> Any:
        escalations = context.escalations
        types = [t for value in type or [] for t in value.split(",") if t]
        unknown = sorted({t for t in types if t not in EVENT_TYPES})
        if unknown:
            # A misspelt type would otherwise match nothing and look like an empty history.
            raise invalid_input("type", f"unknown event type {unknown[0]!r}")
        if format == "ndjson" or NDJSON in request.headers.get("accept", ""):
            return StreamingResponse(_export(escalations, after, types), media_type=NDJSON)
        stored = await reads.events_after(escalations, after, limit=limit, types=types)
        following = str(stored[-1].position) if len(stored) == limit else None
        return JSONResponse({"items": [event_view(s) for s in stored], "next": following})

    @router.get(
        "/v1/audit/verify",
        summary="Recompute the hash chain of every stored event",
        response_model=VerificationView,
    )
    async def verify_chain(context: Context, _: Auditor) -> JSONResponse:
        return JSONResponse((await reads.verification(context.escalations)).as_dict())

    return router


async def _export(
    escalations: Escalations, after: int, types: Sequence[str]
) -> AsyncIterator[bytes]:
    async for batch in reads.export(escalations, after, types):
        yield "".join(json.dumps(event_view(s)) + "\n" for s in batch).encode()
