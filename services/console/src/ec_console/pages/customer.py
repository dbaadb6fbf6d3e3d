"""The customer's own page, at /customer/{token}: served by the console
process (distributed) and at /customer/ in the embedded mode. Server-rendered,
no JavaScript; the token in the address is the customer's only credential, and
the console passes it on to the escalation service, which checks it."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from ec_console.data.services import Answer, Services
from ec_console.pages.context import CustomerContext
from ec_console.pages.customer_answers import (
    ASK_FOR_LINK,
    LONGEST_WORDS,
    TRY_LATER,
    CustomerPages,
    client_of,
)
from ec_console.pages.rendering import create_templates
from ec_console.security.customer_guard import CustomerGuard, csrf_ok
from ec_console.settings import ConsoleSettings
from ec_console.views.forms import values_of
from ec_platform.http.throttle import Pacing
from ec_platform.inputs import parse_count

MOUNT = "/customer"
# Each act: the escalation service's path after /v1/customer/{token}/, and
# which fields of the form it takes.
ACTS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "agree_plan": ("plan-agreement", ("plan_version", "comment")),
    "decline_plan": ("plan-decline", ("plan_version", "comment")),
    "confirm_resolution": ("resolution-confirmation", ("comment",)),
    "report_recurrence": ("recurrence", ("note",)),
    "agree_closure": ("closure-agreement", ("comment",)),
}
DONE = {
    "agree_plan": "Thank you: your agreement to the plan is recorded.",
    "decline_plan": "Your answer is recorded; the escalation manager will come back to you.",
    "confirm_resolution": "Thank you: your confirmation is recorded.",
    "report_recurrence": "Your report is recorded: the escalation is active again.",
    "agree_closure": "Thank you: your agreement to close is recorded.",
}


def _body(fields: tuple[str, ...], values: Mapping[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name in fields:
        value = values.get(name, "").strip()
        if not value:
            continue
        number = parse_count(value) if name == "plan_version" else None
        body[name] = number if number is not None else value
    return body


def create_customer_pages(
    settings: ConsoleSettings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """The customer's pages, to mount at /customer (see `guarded`)."""
    secret = settings.with_generated_secret().session_secret
    assert secret is not None

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            services = await Services.open(settings, stack, transport=transport)
            app.state.pages = CustomerPages(services, create_templates(), secret.get_secret_value())
            yield

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(packages=[("ec_console", "static")]), name="static")

    @app.get("/{token}", response_class=HTMLResponse)
    async def show(token: str, request: Request, pages: CustomerContext) -> Response:
        answer = await pages.read(request, token)
        if not answer.ok:
            return pages.refusal(request, token)
        done = DONE.get(request.query_params.get("done", ""))
        return pages.render(request, token, answer.body, done=done)

    @app.post("/{token}", response_class=HTMLResponse)
    async def record(token: str, request: Request, pages: CustomerContext) -> Response:
        form = await request.form()
        values = values_of(form)
        given = form.get("csrf")
        if not isinstance(given, str) or not csrf_ok(pages.secret, token, given):
            return pages.refusal(request, token, 403)
        if values.get("act") == ASK_FOR_LINK:
            return await _ask_for_link(pages, request, token)
        return await _record(pages, request, token, values)

    return app


async def _record(
    pages: CustomerPages, request: Request, token: str, values: Mapping[str, str]
) -> Response:
    chosen = ACTS.get(values.get("act", ""))
    if not chosen:
        return pages.refusal(request, token, 403)
    path, fields = chosen
    body = _body(fields, values)
    if any(len(str(v)) > LONGEST_WORDS for v in body.values()):
        problem = f"Please keep what you write under {LONGEST_WORDS} characters."
        return await _again(pages, request, token, problem, status=422)
    answer = await pages.services.call(
        "escalation",
        "POST",
        f"/v1/customer/{token}/{path}",
        token=None,
        body=body,
        for_client=client_of(request),
    )
    if answer.status == 404:
        return pages.refusal(request, token)
    if not answer.ok:
        return await _again(pages, request, token, _friendly(answer), status=answer.status)
    where = f"{request.scope.get('root_path', '')}/{token}?done={values['act']}"
    return RedirectResponse(where, status_code=303)


async def _ask_for_link(pages: CustomerPages, request: Request, token: str) -> Response:
    """A refused link's holder asks for a new one by mail: the answer is the
    same whatever the link was; the escalation service decides."""
    answer = await pages.services.call(
        "escalation",
        "POST",
        f"/v1/customer/{token}/link-request",
        token=None,
        body={},
        for_client=client_of(request),
    )
    if not answer.ok:
        return pages.try_later(request)
    return pages.link_asked(request)


def guarded(
    app: FastAPI, settings: ConsoleSettings, *, clock: Callable[[], float] = time.monotonic
) -> CustomerGuard:
    """`app` behind its strict headers and its own rate limit."""
    return CustomerGuard(app, Pacing.per_minute(settings.customer_requests_per_minute, clock))


def _friendly(answer: Answer) -> str:
    if answer.status == 422:
        return "Something in the form is missing or too long; please check it and send it again."
    if answer.status == 409:
        return f"This cannot be done right now: {answer.detail}"
    return TRY_LATER


async def _again(
    pages: CustomerPages, request: Request, token: str, problem: str, *, status: int
) -> Response:
    answer = await pages.read(request, token)
    if not answer.ok:
        return pages.refusal(request, token)
    response = pages.render(request, token, answer.body, problem=problem)
    response.status_code = status
    return response
