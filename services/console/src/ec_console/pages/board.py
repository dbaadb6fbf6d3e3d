"""The board: every open escalation, live, and starting one by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse

from ec_console.data import board as board_data
from ec_console.data.board import SORTS, BoardQuery
from ec_console.data.live import sse_stream
from ec_console.pages.auth import CSRF_MESSAGE
from ec_console.pages.context import Console, Context, CurrentSession
from ec_console.pages.escalation import SSE_HEADERS
from ec_console.pages.rendering import go, render
from ec_console.security.sessions import Session, csrf_matches
from ec_console.views.display import ALL_STATES, OPEN_STATES, is_overdue
from ec_console.views.forms import FormState, items, optional, text, values_of


async def _board(
    request: Request,
    console: Console,
    session: Session,
    *,
    start: FormState | None = None,
    status_code: int = 200,
    template: str = "board.html",
) -> Response:
    query = BoardQuery.from_params(dict(request.query_params))
    states = tuple(dict.fromkeys((*OPEN_STATES, *query.states())))
    found, failed = await board_data.fetch_items(
        console.services, session.token, states, incident=board_data.incident_filter(query)
    )
    if failed is not None and failed.status == 401:
        console.sessions.end(session)
        return go(request, "/login")
    open_items = [i for i in found if i["state"] in OPEN_STATES]
    chosen = [i for i in found if i["state"] in query.states()]
    now = datetime.now(UTC)
    numbered = await board_data.escalations_of_numbered_incidents(
        console.services, session.token, query
    )
    shown = board_data.select(chosen, query, session.user, now, numbered=numbered)
    # The counts follow every filter but the state, so a chip narrows what is shown.
    counted = board_data.select(open_items, query, session.user, now, numbered=numbered)
    await console.state_since.fill(shown, token=session.token)
    return render(
        request,
        console,
        template,
        session=session,
        status_code=status_code,
        query=query,
        items=shown,
        counts=board_data.counts(counted),
        overdue_count=len([i for i in counted if is_overdue(i, now)]),
        chip_query=urlencode(
            [(k, v) for k, v in request.query_params.multi_items() if k not in ("state", "overdue")]
        ),
        fingerprint=board_data.fingerprint(open_items),
        failed=failed.detail if failed is not None else None,
        sorts=SORTS,
        all_states=ALL_STATES,
        start=start or FormState("start"),
        query_string=str(request.url.query),
    )


def build_router() -> APIRouter:
    router = APIRouter()

    @router.get("/")
    async def board(request: Request, console: Context, session: CurrentSession) -> Response:
        return await _board(request, console, session)

    @router.get("/board")
    async def board_part(request: Request, console: Context, session: CurrentSession) -> Response:
        return await _board(request, console, session, template="board_live.html")

    @router.get("/stream")
    async def stream(
        request: Request,
        console: Context,
        session: CurrentSession,
        since: Annotated[str | None, Query(max_length=40)] = None,
    ) -> StreamingResponse:

        async def marks() -> str | None:
            found, failed = await board_data.fetch_items(
                console.services, session.token, OPEN_STATES
            )
            return None if failed is not None else board_data.fingerprint(found)

        last = request.headers.get("last-event-id") or since
        return StreamingResponse(
            sse_stream(console.hub, f"{session.watch_key}:board", marks, since=last),
            media_type="text/event-stream",
            headers=SSE_HEADERS,
        )

    @router.post("/escalations")
    async def start(request: Request, console: Context, session: CurrentSession) -> Response:
        return await _start(request, console, session)

    return router


async def _start(request: Request, console: Console, session: Session) -> Response:
    form = await request.form()
    if not csrf_matches(session, str(form.get("csrf", ""))):
        return render(
            request, console, "error.html", session=session, status_code=403, message=CSRF_MESSAGE
        )
    values = values_of(form)
    body: dict[str, object] = {
        "incident_ids": items(values, "incident_ids"),
        "reason": text(values, "reason"),
    }
    for key in ("title", "priority", "service"):
        if optional(values, key):
            body[key] = text(values, key)
    customer = {k: text(values, f"customer.{k}") for k in ("id", "name", "tier")}
    if any(customer.values()):
        body["customer"] = customer
    answer = await console.services.call(
        "escalation", "POST", "/v1/escalations", token=session.token, body=body
    )
    if answer.ok:
        session.flash.append("Escalation started.")
        return go(request, f"/escalations/{answer.body['id']}")
    state = FormState("start", values=values, errors=answer.field_errors(), message=answer.detail)
    code = answer.status if answer.status in (409, 422) else 400
    return await _board(request, console, session, start=state, status_code=code)
