"""One escalation: its page, its live parts, and every command as a form."""

from __future__ import annotations

from datetime import MAXYEAR, datetime, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse

from ec_console.data.escalation import EscalationData, changed_since, load
from ec_console.data.live import sse_stream
from ec_console.pages.auth import CSRF_MESSAGE
from ec_console.pages.context import Console, Context, CurrentSession
from ec_console.pages.rendering import go, render
from ec_console.security.sessions import Session, csrf_matches
from ec_console.views.commands import COMMANDS, offered, primary
from ec_console.views.forms import FormState, Invalid, local_time, renumbered, values_of
from ec_console.views.prefill import prefill
from ec_platform.inputs import parse_count

SSE_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


async def _page(
    request: Request,
    console: Console,
    session: Session,
    escalation_id: UUID,
    *,
    form: FormState | None = None,
    as_of: str | None = None,
    status_code: int = 200,
    template: str = "escalation.html",
) -> Response:
    data = await load(console.services, session.token, str(escalation_id), as_of=as_of)
    if not isinstance(data, EscalationData):
        if data.status == 401:
            console.sessions.end(session)
            return go(request, "/login")
        return render(
            request,
            console,
            "error.html",
            session=session,
            status_code=data.status,
            message=data.detail,
        )
    state = str(data.escalation["state"])
    names = (
        offered(state, int(data.escalation.get("monitoring_round") or 0))
        if session.user.may_change and not as_of
        else ()
    )
    forms = {
        name: prefill(FormState(name), data.escalation, signed_in_as=session.user.name)
        for name in names
    }
    if form is not None:
        forms[form.name] = form
    return render(
        request,
        console,
        template,
        session=session,
        status_code=status_code,
        d=data,
        e=data.escalation,
        forms=forms,
        commands=COMMANDS,
        primary=primary(state, bool(data.escalation.get("manager"))),
        as_of=as_of,
        rendered=parse_count(request.query_params.get("rendered") or "") or data.version,
    )


def _moment(as_of: str | None, tz_offset: str | None) -> str | None:
    """A moment typed to the second means the end of that second: what had
    happened "at 08:10:47" includes what was recorded at 08:10:47.3."""
    if not as_of:
        return None
    try:
        moment = local_time({"as_of": as_of, "tz_offset": tz_offset or ""}, "as_of")
    except Invalid:
        return None
    parsed = datetime.fromisoformat(moment or "")
    if parsed.microsecond == 0 and "." not in as_of and parsed.year < MAXYEAR:
        parsed += timedelta(microseconds=999_999)
    return parsed.isoformat()


def build_router() -> APIRouter:
    router = APIRouter()

    @router.get("/escalations/{escalation_id}")
    async def escalation_page(
        request: Request,
        console: Context,
        escalation_id: UUID,
        session: CurrentSession,
        as_of: Annotated[str | None, Query(max_length=40)] = None,
        tz_offset: Annotated[str | None, Query(max_length=6)] = None,
    ) -> Response:
        return await _page(
            request, console, session, escalation_id, as_of=_moment(as_of, tz_offset)
        )

    @router.get("/escalations/{escalation_id}/live")
    async def live_part(
        request: Request, console: Context, escalation_id: UUID, session: CurrentSession
    ) -> Response:
        return await _page(
            request, console, session, escalation_id, template="escalation_live.html"
        )

    @router.get("/escalations/{escalation_id}/stream")
    async def stream(
        request: Request,
        console: Context,
        escalation_id: UUID,
        session: CurrentSession,
        since: Annotated[str | None, Query(max_length=40)] = None,
    ) -> StreamingResponse:
        path = f"/v1/escalations/{escalation_id}"

        async def version() -> str | None:
            answer = await console.services.get("escalation", path, token=session.token)
            return str(answer.body["version"]) if answer.ok else None

        key = f"{session.watch_key}:{escalation_id}"
        last = request.headers.get("last-event-id") or since
        return StreamingResponse(
            sse_stream(console.hub, key, version, since=last),
            media_type="text/event-stream",
            headers=SSE_HEADERS,
        )

    @router.post("/escalations/{escalation_id}/commands/{name}")
    async def command(
        request: Request, console: Context, escalation_id: UUID, name: str, session: CurrentSession
    ) -> Response:
        return await _command(request, console, escalation_id, name, session)

    @router.post("/escalations/{escalation_id}/deliveries/{delivery_id}/retry")
    async def retry(
        request: Request,
        console: Context,
        escalation_id: UUID,
        delivery_id: UUID,
        session: CurrentSession,
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
            "notifier", "POST", f"/v1/deliveries/{delivery_id}/retry", token=session.token
        )
        session.flash.append(
            "Delivery queued to be sent again." if answer.ok else f"Not retried: {answer.detail}"
        )
        return go(request, f"/escalations/{escalation_id}#deliveries")

    return router


async def _command(
    request: Request, console: Console, escalation_id: UUID, name: str, session: Session
) -> Response:
    spec = COMMANDS.get(name)
    if spec is None:
        return render(
            request,
            console,
            "error.html",
            session=session,
            status_code=404,
            message="No such form.",
        )
    form = await request.form()
    values = values_of(form)
    if not csrf_matches(session, str(form.get("csrf", ""))):
        return render(
            request, console, "error.html", session=session, status_code=403, message=CSRF_MESSAGE
        )
    state = FormState(name, values=values)
    version = parse_count(values.get("version", ""))
    try:
        body, placed = spec.build(values)
    except Invalid as error:
        state.errors = error.errors
        return await _refused(request, console, session, escalation_id, state, 422)
    answer = await console.services.call(
        "escalation",
        spec.method,
        f"/v1/escalations/{escalation_id}/{name}",
        token=session.token,
        body=body,
        if_match=version,
    )
    if answer.ok:
        session.flash.append(f"{spec.done}.")
        return go(request, f"/escalations/{escalation_id}")
    errors = answer.field_errors()
    for prefix, rows_placed in placed.items():
        errors = renumbered(errors, prefix, rows_placed)
    state.errors = errors
    state.message = answer.detail
    if answer.status == 412:
        events = await console.services.get(
            "escalation", f"/v1/escalations/{escalation_id}/events", token=session.token
        )
        who = changed_since(events.body.get("items", []) if events.ok else [], version or 0)
        state.stale = f"Changed by {who} meanwhile: reload to see it, then try again."
    return await _refused(request, console, session, escalation_id, state, answer.status)


async def _refused(
    request: Request,
    console: Console,
    session: Session,
    escalation_id: UUID,
    state: FormState,
    status: int,
) -> Response:
    """The page again, the form as typed with its errors. htmx swaps in just
    that form (hx-select), so nothing else the person typed is lost."""
    # The form keeps the version it was rendered from (it is among the values):
    # after a 412 it stays stale until the person reloads and sees the change.
    code = status if status in (409, 412, 422) else 400 if status < 500 else 502
    return await _page(request, console, session, escalation_id, form=state, status_code=code)
