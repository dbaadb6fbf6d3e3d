"""Prometheus metrics, request instrumentation and the health/metrics routes."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ec_platform.http.auth import ROLES, require

HealthCheck = Callable[[], Awaitable[None]]
ScrapeHook = Callable[[], Awaitable[None]]


class Metrics:
    """One registry per app (never the global one), so several apps can live in
    one process (the embedded mode and the tests)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._counters: dict[str, Counter] = {}
        self._gauges: dict[str, Gauge] = {}
        self._before_scrape: list[ScrapeHook] = []
        self.http_requests = self.counter(
            "ec_http_requests", "HTTP requests answered", ("method", "route", "status")
        )
        self.http_latency = Histogram(
            "ec_http_request_duration_seconds",
            "Time to answer an HTTP request",
            ("method", "route"),
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
        )

    def counter(self, name: str, documentation: str, labels: Sequence[str] = ()) -> Counter:
        """The counter of that name, created on first use (components share one registry)."""
        if name not in self._counters:
            self._counters[name] = Counter(
                name, documentation, tuple(labels), registry=self.registry
            )
        return self._counters[name]

    def gauge(self, name: str, documentation: str, labels: Sequence[str] = ()) -> Gauge:
        """The gauge of that name, created on first use."""
        if name not in self._gauges:
            self._gauges[name] = Gauge(name, documentation, tuple(labels), registry=self.registry)
        return self._gauges[name]

    def before_scrape(self, hook: ScrapeHook) -> None:
        """`hook` runs before every scrape: for gauges read from a database
        rather than kept in this process (the same on every replica)."""
        self._before_scrape.append(hook)

    async def scraped(self) -> bytes:
        for hook in self._before_scrape:
            try:
                await hook()
            except Exception:  # a failing read leaves its gauges out, not the whole scrape
                logging.getLogger(__name__).warning("a metrics hook failed", exc_info=True)
        return generate_latest(self.registry)


class RequestMetricsMiddleware:
    """Counts and times requests by route template (not raw path, which would
    make one time series per escalation id)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            method = scope.get("method", "")
            self.metrics.http_requests.labels(method, template, str(status)).inc()
            self.metrics.http_latency.labels(method, template).observe(
                time.perf_counter() - started
            )


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    service: str
    checks: dict[str, str] = Field(description='each dependency: "ok" or "failing: <error>"')


def health_router(service: str) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get(
        "/healthz",
        summary="Liveness and readiness of this process (no token needed)",
        response_model=Health,
        responses={503: {"model": Health, "description": "a dependency is failing"}},
    )
    async def healthz(request: Request) -> JSONResponse:
        checks: dict[str, HealthCheck] = getattr(request.app.state, "health_checks", {})
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                await check()
                results[name] = "ok"
            except Exception as error:  # a failing dependency is reported, not raised
                results[name] = f"failing: {type(error).__name__}"
        healthy = all(value == "ok" for value in results.values())
        return JSONResponse(
            {"status": "ok" if healthy else "degraded", "service": service, "checks": results},
            status_code=200 if healthy else 503,
        )

    @router.get(
        "/metrics",
        summary="Prometheus metrics (any known token)",
        dependencies=[Depends(require(*ROLES))],
        response_class=PlainTextResponse,
        responses={200: {"description": "the Prometheus text format"}},
    )
    async def metrics(request: Request) -> Response:
        registry: Metrics = request.app.state.metrics
        return Response(await registry.scraped(), media_type=CONTENT_TYPE_LATEST)

    return router
