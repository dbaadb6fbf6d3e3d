"""Incidents as the intake received them, escalated or not, with the escalation
service's decision on each; and an escalation started from one by hand.

The list and one incident come from the intake; the decisions, and the start,
from the escalation service (in the distributed mode, two different hosts)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ec_console.data.services import Answer, Services
from ec_console.pages.auth import CSRF_MESSAGE
from ec_console.pages.context import Console, Context, CurrentSession
from ec_console.pages.rendering import go, render
from ec_console.security.sessions import Session, csrf_matches
from ec_console.views.forms import FormState, text, values_of

FILTERS = ("source", "customer_id", "service", "priority", "status", "q")
PAGE = 25


@dataclass(frozen=True)
class Verdict:
    """What the escalation service made of an incident, as one line."""

    outcome: str
    escalation_id: str | None
    explanation: str

    @property
    def escalated(self) -> bool:
        return self.escalation_id is not None


def verdict(
    decisions: list[dict[str, Any]], escalations: list[dict[str, Any]] | None = None
) -> Verdict | None:
    """The escalation it started or joined, if any decision did; else one started
    from it by hand; else the latest decision."""
    if not any(d.get("escalation_id") for d in decisions) and escalations:
        latest = escalations[-1]
        return Verdict("started by hand", str(latest["id"]), "")
    if not decisions:
        return None
    joined = [d for d in decisions if d.get("escalation_id")]
    chosen = joined[-1] if joined else decisions[-1]
    return Verdict(
        outcome=str(chosen["outcome"]),
        escalation_id=chosen.get("escalation_id"),
        explanation=str(chosen.get("explanation") or ""),
    )


async def _decisions(services: Services, token: str, incident_id: str) -> Answer:
    return await services.get(
        "escalation", f"/v1/incidents/{incident_id}/decisions", token=token, params={"limit": 100}
    )


async def _escalations(services: Services, token: str, incident_id: str) -> Answer:
    """Escalations naming the incident: also those started from it by hand."""
    params: dict[str, str | int] = {"incident_id": incident_id, "include_withdrawn": "true"}
    return await services.get("escalation", "/v1/escalations", token=token, params=params)


def _items(answer: Answer) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = answer.body.get("items", []) if answer.ok else []
    return found


def build_router() -> APIRouter:
    router = APIRouter()

    @router.get("/incidents")
    async def incidents(request: Request, console: Context, session: CurrentSession) -> Response:
        chosen = {k: request.query_params.get(k, "").strip()[:200] for k in FILTERS}
        params: dict[str, str | int] = {k: v for k, v in chosen.items() if v}
        params["limit"] = PAGE
        cursor = request.query_params.get("cursor", "")[:500]
        if cursor:
            params["cursor"] = cursor
        answer = await console.services.get(
            "intake", "/v1/incidents", token=session.token, params=params
        )
        if answer.status == 401:
            console.sessions.end(session)
            return go(request, "/login")
        found = answer.body.get("items", []) if answer.ok else []
        decided = await asyncio.gather(
            *(_decisions(console.services, session.token, str(i["id"])) for i in found)
        )
        started = await asyncio.gather(
            *(_escalations(console.services, session.token, str(i["id"])) for i in found)
        )
        verdicts = {
            str(i["id"]): verdict(_items(d), _items(e))
            for i, d, e in zip(found, decided, started, strict=True)
        }
        following = answer.body.get("next") if answer.ok else None
        kept = {k: v for k, v in chosen.items() if v}
        return render(
            request,
            console,
            "incidents.html",
            session=session,
            items=found,
            verdicts=verdicts,
            chosen=chosen,
            failed=None if answer.ok else answer.detail,
            next_query=urlencode({**kept, "cursor": following}) if following else None,
            first_query=urlencode(kept) if cursor else None,
        )

    @router.get("/incidents/{incident_id}")
    async def incident(
        request: Request, console: Context, incident_id: UUID, session: CurrentSession
    ) -> Response:
        return await _incident(request, console, session, incident_id)

    @router.post("/incidents/{incident_id}/escalations")
    async def start(
        request: Request, console: Context, incident_id: UUID, session: CurrentSession
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
        values = values_of(form)
        state = FormState("start", values=values)
        if not text(values, "reason"):
            state.errors = {"reason": "say why it needs an escalation"}
            return await _incident(
                request, console, session, incident_id, start=state, status_code=422
            )
        body = {"incident_ids": [str(incident_id)], "reason": text(values, "reason")}
        answer = await console.services.call(
            "escalation", "POST", "/v1/escalations", token=session.token, body=body
        )
        if answer.ok:
            session.flash.append("Escalation started from the incident.")
            return go(request, f"/escalations/{answer.body['id']}")
        state.errors = answer.field_errors()
        state.message = answer.detail
        code = answer.status if answer.status in (409, 422) else 400
        return await _incident(
            request, console, session, incident_id, start=state, status_code=code
        )

    return router


async def _incident(
    request: Request,
    console: Console,
    session: Session,
    incident_id: UUID,
    *,
    start: FormState | None = None,
    status_code: int = 200,
) -> Response:
    found, decided, started = await asyncio.gather(
        console.services.get("intake", f"/v1/incidents/{incident_id}", token=session.token),
        _decisions(console.services, session.token, str(incident_id)),
        _escalations(console.services, session.token, str(incident_id)),
    )
    if found.status == 401:
        console.sessions.end(session)
        return go(request, "/login")
    if not found.ok:
        return render(
            request,
            console,
            "error.html",
            session=session,
            status_code=found.status,
            message=found.detail,
        )
    decisions = _items(decided)
    return render(
        request,
        console,
        "incident.html",
        session=session,
        status_code=status_code,
        i=found.body,
        decisions=decisions,
        verdict=verdict(decisions, _items(started)),
        escalations=_items(started),
        # 404: the escalation service has not consumed the incident (yet).
        decisions_error=None if decided.ok or decided.status == 404 else decided.detail,
        start=start or FormState("start"),
    )
