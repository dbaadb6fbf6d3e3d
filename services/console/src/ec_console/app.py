"""The console's app factory: an app served at /console, alone (port 8005) or
inside the embedded mode's app (port 8000)."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import State
from starlette.types import Receive, Scope, Send

from ec_console.data.live import Hub
from ec_console.data.services import Services
from ec_console.data.statecache import StateSince
from ec_console.pages import (
    audit,
    auth,
    board,
    escalation,
    incidents,
    outbox,
    reports,
    subscriptions,
)
from ec_console.pages.context import Console, SignedOut
from ec_console.pages.customer import MOUNT as CUSTOMER_MOUNT
from ec_console.pages.customer import create_customer_pages, guarded
from ec_console.pages.rendering import base_path, create_templates
from ec_console.security.headers import SecurityHeaders
from ec_console.security.sessions import COOKIE, SessionStore
from ec_console.settings import ConsoleSettings
from ec_platform.app import SERVER_SPANS, Runtime
from ec_platform.bus.channels import BusUse
from ec_platform.http.throttle import Guesses, WindowLimiter
from ec_platform.observability.tracing import install_tracer_provider

MOUNT = "/console"
DEFAULT_PORT = 8005


def create_console(
    settings: ConsoleSettings, *, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """The console itself, to be mounted at /console. `transport` sends every
    API call somewhere other than the services' URLs (the embedded app, in-process)."""
    secret = settings.session_secret
    if secret is None:
        raise ValueError("the console needs a session secret")

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # httpx tells every request at INFO; a live page polls several a second.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        async with AsyncExitStack() as stack:
            services = await Services.open(settings, stack, transport=transport)
            hub = Hub(interval_s=settings.poll_interval_s)
            stack.callback(hub.close)
            app.state.console = Console(
                settings=settings,
                services=services,
                sessions=SessionStore(
                    secret.get_secret_value(), lifetime_s=settings.session_hours * 3600
                ),
                templates=create_templates(),
                hub=hub,
                state_since=StateSince(services),
                sign_ins=Guesses(
                    WindowLimiter(settings.sign_in_failures_per_minute, 60, time.monotonic)
                ),
            )
            yield

    app = FastAPI(
        title="Escalation Center: console pages",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        # Mounted in an app of its own (below, or the embedded one), whose span it is in.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    for module in (
        auth,
        board,
        escalation,
        incidents,
        outbox,
        reports,
        audit,
        subscriptions,
    ):
        app.include_router(module.build_router())
    app.mount("/static", StaticFiles(packages=[("ec_console", "static")]), name="static")

    @app.exception_handler(SignedOut)
    async def to_login(request: Request, _: SignedOut) -> Response:
        url = base_path(request) + "/login"
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": url})
        response = RedirectResponse(url, status_code=303)
        if request.cookies.get(COOKIE):
            response.delete_cookie(COOKIE, path=base_path(request) or "/")
        return response

    return app


def mount_console(host: FastAPI, console: FastAPI) -> None:
    """Serves `console` at /console on `host` (and / sends people there)."""

    async def to_console() -> RedirectResponse:
        return RedirectResponse(MOUNT + "/", status_code=307)

    if not any(getattr(route, "path", None) == "/" for route in host.routes):
        host.add_api_route("/", to_console, include_in_schema=False)
    host.mount(MOUNT, SecurityHeaders(console), name="console")


class ConsolePlugin:
    """The console as one more service of a host app: no routes of its own at
    the root; its lifespan runs inside the host's."""

    name = "console"
    bus_use = BusUse(service="console")  # no topics: it calls the services' APIs

    def __init__(self, console: FastAPI, customer: FastAPI) -> None:
        self.console = console
        self.customer = customer

    def router(self) -> APIRouter:
        return APIRouter()

    def body_limits(self) -> Mapping[str, int]:
        return {}

    async def start(self, runtime: Runtime, state: State, stack: AsyncExitStack) -> None:
        await stack.enter_async_context(self.console.router.lifespan_context(self.console))
        await stack.enter_async_context(self.customer.router.lifespan_context(self.customer))


def create_app() -> FastAPI:
    """The distributed mode: the console alone (port 8005), in front of the four
    services. No tokens, no database, no bus of its own."""
    settings = ConsoleSettings()
    settings.require_secret()
    console = create_console(settings)
    customer = create_customer_pages(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with (
            console.router.lifespan_context(console),
            customer.router.lifespan_context(customer),
        ):
            yield

    install_tracer_provider("console")
    app = FastAPI(
        title="Escalation Center: console",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        telemetry=SERVER_SPANS,
    )

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "console"}

    mount_console(app, console)
    app.mount(CUSTOMER_MOUNT, guarded(customer, settings), name="customer")
    return app


class EmbeddedConsole:
    """The console inside another app (the embedded mode), calling that app's
    APIs in-process through an ASGI transport: no port to know, no loopback hop,
    and still every call carries the user's own token through the same routes,
    auth and rules as a call from outside."""

    def __init__(self, settings: ConsoleSettings) -> None:
        self._host: FastAPI | None = None
        transport = httpx.ASGITransport(app=self._call_host)
        settings = settings.with_generated_secret()
        self.app = create_console(settings, transport=transport)
        self.customer = create_customer_pages(settings, transport=transport)
        self.customer_settings = settings
        self.plugin = ConsolePlugin(self.app, self.customer)

    async def _call_host(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._host is None:
            raise RuntimeError("the console is not mounted on an app yet")
        await self._host(scope, receive, send)

    def mount_on(self, host: FastAPI) -> None:
        self._host = host
        mount_console(host, self.app)
        customer = guarded(self.customer, self.customer_settings)
        host.mount(CUSTOMER_MOUNT, customer, name="customer")
