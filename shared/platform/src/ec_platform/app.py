"""The one way an app is assembled, for a single service or all four at once."""

from __future__ import annotations

import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Protocol

from fastapi import APIRouter, Depends, FastAPI
from fastapi.telemetry import TelemetryConfig
from starlette.datastructures import State

from ec_platform.asyncapi.document import catalogue
from ec_platform.asyncapi.route import asyncapi_router
from ec_platform.bus import Bus, open_bus
from ec_platform.bus.channels import BusUse
from ec_platform.clock import Clock, utc_now
from ec_platform.http.auth import TokenRegistry, whoami_router
from ec_platform.http.docs import docs_router
from ec_platform.http.limits import BodyLimitMiddleware
from ec_platform.http.metrics import HealthCheck, Metrics, RequestMetricsMiddleware, health_router
from ec_platform.http.openapi import install_openapi
from ec_platform.http.problems import install_problem_handlers
from ec_platform.http.requests import refuse_nul_in_query, refuse_unknown_query
from ec_platform.http.throttle import Guesses, WindowLimiter
from ec_platform.observability.tracing import install_tracer_provider
from ec_platform.settings import PlatformSettings
from ec_platform.storage.database import Database

VERSION = "0.1.0"
API_DESCRIPTION = """\
Every route but `/healthz` needs `Authorization: Bearer <token>`: press
**Authorize** and paste a token from `EC_API_TOKENS` (the part after `role:`),
then "Try it out" sends it. Errors are RFC 9457 problem details
(`application/problem+json`)."""

SERVER_SPANS: TelemetryConfig = {
    "tracing": True,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
    "auto_configure": False,  # the exporter is install_tracer_provider's
}


@dataclass
class Runtime:
    """What the process shares with every service in it."""

    settings: PlatformSettings
    bus: Bus
    metrics: Metrics
    health_checks: dict[str, HealthCheck] = field(default_factory=dict)
    clock: Clock = utc_now


class ServicePlugin(Protocol):
    """A service as the app sees it: its routes, and what it opens on start-up
    (on `stack`, so everything closes in reverse order on shutdown)."""

    name: str
    # The topics it publishes and consumes: its wiring and its /asyncapi.json.
    bus_use: BusUse

    def router(self) -> APIRouter: ...

    def body_limits(self) -> Mapping[str, int]:
        """Path prefixes whose bodies may exceed EC_MAX_BODY_BYTES, with their limit."""
        ...

    async def start(self, runtime: Runtime, state: State, stack: AsyncExitStack) -> None: ...


async def open_database(runtime: Runtime, stack: AsyncExitStack, *, schema: str) -> Database:
    """The service's own database, closed with the app and watched by /healthz."""
    if not runtime.settings.database_url:
        raise SystemExit("EC_DATABASE_URL is not set")
    db = Database.open(runtime.settings.database_url, schema=schema)
    stack.push_async_callback(db.close)
    runtime.health_checks[f"{schema}-database"] = db.ping
    return db


def tokens_from(settings: PlatformSettings, *, generate_if_missing: bool) -> TokenRegistry:
    if settings.api_tokens is not None:
        return TokenRegistry.parse(settings.api_tokens.get_secret_value())
    if not generate_if_missing:
        raise SystemExit("EC_API_TOKENS is not set (role:token,role:token)")
    registry, token = TokenRegistry.with_generated_admin()
    # Printed, not logged: the one moment the operator can learn it.
    print(f"EC_API_TOKENS is not set; this run's admin token is: {token}", flush=True)
    return registry


def token_guesses(metrics: Metrics, per_minute: int) -> Guesses:
    """The throttle on unknown tokens, counted in /metrics."""
    return Guesses(
        WindowLimiter(per_minute, 60, time.monotonic),
        failed=metrics.counter(
            "ec_auth_failures", "Requests with an unknown token (or a failed sign-in)"
        ).inc,
        throttled=metrics.counter(
            "ec_auth_throttled", "Requests refused 429: too many unknown tokens from the address"
        ).inc,
    )


def create_service_app(
    *,
    title: str,
    settings: PlatformSettings,
    tokens: TokenRegistry,
    plugins: Sequence[ServicePlugin],
    clock: Clock = utc_now,
    bus: Bus | None = None,
) -> FastAPI:
    """`bus` lets a caller share one bus between apps (tests); by default the
    app opens its own from settings."""
    metrics = Metrics()
    install_tracer_provider(title)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            active_bus: Bus = (
                bus
                if bus is not None
                else await stack.enter_async_context(open_bus(settings, client_id=f"ec-{title}"))
            )
            runtime = Runtime(settings=settings, bus=active_bus, metrics=metrics, clock=clock)
            app.state.runtime = runtime
            app.state.health_checks = runtime.health_checks
            for plugin in plugins:
                await plugin.start(runtime, app.state, stack)
            # Everything loaded so far lives as long as the process: keep the
            # cyclic collector from rescanning it (its full sweeps paused
            # requests for ~100 ms under load, measured in the intake bench).
            gc.collect()
            gc.freeze()
            logging.getLogger(__name__).info("%s started", title)
            yield

    app = FastAPI(
        title=f"Escalation Center: {title}",
        version=VERSION,
        lifespan=lifespan,
        docs_url=None,  # served by docs_router, with its assets
        redoc_url=None,
        dependencies=[Depends(refuse_nul_in_query), Depends(refuse_unknown_query)],
        # FastAPI's own OpenTelemetry server spans, continuing a caller's
        # `traceparent`; metrics stay with Prometheus (/metrics), logs with logging.
        telemetry=SERVER_SPANS,
    )
    install_openapi(app, description=API_DESCRIPTION)
    app.state.tokens = tokens
    app.state.metrics = metrics
    app.state.token_guesses = token_guesses(metrics, settings.token_failures_per_minute)
    install_problem_handlers(app)
    app.add_middleware(
        BodyLimitMiddleware,
        default=settings.max_body_bytes,
        limits={
            prefix: limit for plugin in plugins for prefix, limit in plugin.body_limits().items()
        },
    )
    app.add_middleware(RequestMetricsMiddleware, metrics=metrics)
    app.include_router(health_router(title))
    app.include_router(whoami_router())
    app.include_router(docs_router(app))
    uses = [plugin.bus_use for plugin in plugins]
    app.include_router(
        asyncapi_router(
            lambda: catalogue(
                uses, topics=settings.topics, title=catalogue_title(title), version=app.version
            )
        )
    )
    for plugin in plugins:
        app.include_router(plugin.router())
    return app


def catalogue_title(title: str) -> str:
    return f"Escalation Center: {title} events"


def create_standalone_app(
    *, title: str, settings: PlatformSettings, plugin: ServicePlugin
) -> FastAPI:
    """One service in a process of its own (the distributed mode)."""
    settings.require_distributed()
    return create_service_app(
        title=title,
        settings=settings,
        tokens=tokens_from(settings, generate_if_missing=False),
        plugins=[plugin],
    )
