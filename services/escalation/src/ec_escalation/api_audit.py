"""The auditors' interface: the whole history in global order, and its proof."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from ec_escalation.api import context_of
from ec_escalation.audit import verify
from ec_escalation.views import event_view
from ec_platform.auth import Auditor

NDJSON = "application/x-ndjson"
EXPORT_BATCH = 2_000


def build_router() -> APIRouter:
    router = APIRouter(tags=["audit"])

    @router.get(
        "/v1/events",
        summary="Every escalation event in global order (JSON pages, or NDJSON export)",
        responses={200: {"content": {NDJSON: {}}}},
    )
    async def events(
        request: Request,
        _: Auditor,
        after: Annotated[int, Query(ge=0, description="a position; 0 for the start")] = 0,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
        type: Annotated[list[str] | None, Query(description="only these event types")] = None,
        format: Annotated[str | None, Query(pattern="^(json|ndjson)$")] = None,
    ) -> Any:
        log = context_of(request).escalations.store.log
        types = [t for value in type or [] for t in value.split(",") if t]
        if format == "ndjson" or NDJSON in request.headers.get("accept", ""):
            return StreamingResponse(_export(request, after, types), media_type=NDJSON)
        async with log.db.read() as conn:
            stored = await log.read_after(conn, after, limit=limit, types=types)
        following = str(stored[-1].position) if len(stored) == limit else None
        return {"items": [event_view(s) for s in stored], "next": following}

    @router.get("/v1/audit/verify", summary="Recompute the hash chain of every stored event")
    async def verify_chain(request: Request, _: Auditor) -> dict[str, Any]:
        return (await verify(context_of(request).escalations.store.log)).as_dict()

    return router


async def _export(request: Request, after: int, types: list[str]) -> AsyncIterator[bytes]:
    log = context_of(request).escalations.store.log
    while True:
        async with log.db.read() as conn:
            batch = await log.read_after(conn, after, limit=EXPORT_BATCH, types=types)
        if not batch:
            return
        yield "".join(json.dumps(event_view(s)) + "\n" for s in batch).encode()
        after = batch[-1].position
