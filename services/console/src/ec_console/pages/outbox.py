"""The mail outbox page: every kept email, newest first, by recipient."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ec_console.data.outbox import why, with_bodies
from ec_console.pages.context import Context, CurrentSession
from ec_console.pages.rendering import go, render

PAGE = 25


def build_router() -> APIRouter:
    router = APIRouter()

    @router.get("/outbox")
    async def outbox(request: Request, console: Context, session: CurrentSession) -> Response:
        to = request.query_params.get("to", "").strip()[:2000]
        params: dict[str, str | int] = {"limit": PAGE}
        if to:
            params["to"] = to
        cursor = request.query_params.get("cursor", "")[:500]
        if cursor:
            params["cursor"] = cursor
        answer = await console.services.get(
            "notifier", "/v1/outbox", token=session.token, params=params
        )
        if answer.status == 401:
            console.sessions.end(session)
            return go(request, "/login")
        listed = answer.body.get("items", []) if answer.ok else []
        following = answer.body.get("next") if answer.ok else None
        kept = {"to": to} if to else {}
        return render(
            request,
            console,
            "outbox.html",
            session=session,
            mails=await with_bodies(console.services, session.token, listed),
            to=to,
            failed=None if answer.ok else why(answer),
            next_query=urlencode({**kept, "cursor": following}) if following else None,
            first_query=urlencode(kept) if cursor else None,
        )

    return router
