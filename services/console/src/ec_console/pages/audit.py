"""For auditors: the proof that nothing was altered, and the whole history as a
download. (An escalation as it was at a moment is its page with ?as_of=.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from ec_console.pages.context import Context, CurrentSession
from ec_console.pages.rendering import render


def build_router() -> APIRouter:
    router = APIRouter()

    @router.get("/audit")
    async def audit(request: Request, console: Context, session: CurrentSession) -> Response:
        return render(request, console, "audit.html", session=session, result=None, error=None)

    @router.get("/audit/verify")
    async def verify(request: Request, console: Context, session: CurrentSession) -> Response:
        answer = await console.services.get("escalation", "/v1/audit/verify", token=session.token)
        return render(
            request,
            console,
            "audit.html",
            session=session,
            status_code=200 if answer.ok else answer.status,
            result=answer.body if answer.ok else None,
            error=None if answer.ok else answer.detail,
        )

    @router.get("/audit/export")
    async def export(request: Request, console: Context, session: CurrentSession) -> Response:
        services = console.services
        # A first small read tells a refusal (403 for an operator) from the export.
        probe = await services.get(
            "escalation", "/v1/events", token=session.token, params={"limit": 1}
        )
        if not probe.ok:
            return render(
                request,
                console,
                "audit.html",
                session=session,
                status_code=probe.status,
                result=None,
                error=probe.detail,
            )
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")

        async def body() -> AsyncIterator[bytes]:
            async for chunk in services.stream(
                "escalation", "/v1/events", token=session.token, params={"format": "ndjson"}
            ):
                yield chunk

        return StreamingResponse(
            body(),
            media_type="application/x-ndjson",
            headers={
                "Content-Disposition": f'attachment; filename="escalation-events-{stamp}.ndjson"'
            },
        )

    return router
