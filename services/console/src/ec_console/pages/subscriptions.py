"""For admins: the notifier's subscriptions, the suspended ones first to the
eye (since when, why, how many deliveries they hold), each with a Resume
button that sends what it missed."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ec_console.data.services import Answer, Services
from ec_console.pages.auth import CSRF_MESSAGE
from ec_console.pages.context import Context, CurrentSession
from ec_console.pages.rendering import go, render
from ec_console.security.sessions import Session, csrf_matches

PAGE = 200
# Subscriptions are few; a page this long shows them all, and stops a runaway listing.
MAX_PAGES = 10


def build_router() -> APIRouter:
    router = APIRouter()

    @router.get("/subscriptions")
    async def subscriptions(
        request: Request, console: Context, session: CurrentSession
    ) -> Response:
        listed, refused = await _every_subscription(console.services, session)
        if refused is not None and refused.status == 401:
            console.sessions.end(session)
            return go(request, "/login")
        if refused is not None:
            return render(
                request,
                console,
                "error.html",
                session=session,
                status_code=refused.status,
                message=refused.detail,
            )
        # Suspended ones first, the longest suspended at the top: they want action.
        listed.sort(key=lambda s: (s["status"] != "suspended", s["suspended_at"] or ""))
        return render(request, console, "subscriptions.html", session=session, subscriptions=listed)

    @router.post("/subscriptions/{subscription_id}/resume")
    async def resume(
        request: Request, console: Context, subscription_id: UUID, session: CurrentSession
    ) -> Response:
        form = await request.form()
        if not csrf_matches(session, str(form.get("csrf", ""))):
            return render(
                request,
                console,
                "error.html",
                session=session,
                status_code=403,
                message=CSRF_MESSAGE,
            )
        answer = await console.services.call(
            "notifier", "POST", f"/v1/subscriptions/{subscription_id}/resume", token=session.token
        )
        session.flash.append(
            "Subscription resumed: what it missed is being sent again."
            if answer.ok
            else f"Not resumed: {answer.detail}"
        )
        return go(request, "/subscriptions")

    return router


async def _every_subscription(
    services: Services, session: Session
) -> tuple[list[dict[str, Any]], Answer | None]:
    """Every subscription, or the answer that refused them."""
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        params: dict[str, str | int] = {"limit": PAGE, **({"cursor": cursor} if cursor else {})}
        answer = await services.get(
            "notifier", "/v1/subscriptions", token=session.token, params=params
        )
        if not answer.ok:
            return [], answer
        found += answer.body.get("items", [])
        cursor = answer.body.get("next")
        if not cursor:
            break
    return found, None
