"""Incidents through the intake's HTTP API, on its own process with real
PostgreSQL and Kafka; the baseline is the same app's /healthz, measured the
same way in the same run (the framework's ceiling on this machine)."""

from __future__ import annotations

import json

from bench.http import Answer, LeanClient
from bench.load import closed, steady
from bench.report import Figure
from bench.service import running
from harness.factories import bearer, incident_body

CLIENTS = 50
SECONDS = 10.0
STEADY_RATE = 500


async def run(*, kafka: str) -> list[Figure]:
    async with running("ec_intake", kafka=kafka) as service:
        return await _measure(service.url)


async def _measure(url: str) -> list[Figure]:
    client = LeanClient(url, headers=bearer("intake"), connections=CLIENTS)
    # A new incident every time: the full path (decide, append, commit), never the
    # cheaper "nothing changed" answer.
    bodies = [json.dumps(incident_body(priority="P3")).encode() for _ in range(40_000)]

    async def report(c: LeanClient, n: int) -> Answer:
        return await c.request("POST", "/v1/incidents", bodies[n % len(bodies)])

    async def health(c: LeanClient, n: int) -> Answer:
        return await c.request("GET", "/healthz")

    try:
        await closed(client, health, clients=CLIENTS, seconds=1.0)  # warm-up
        reports = await closed(client, report, clients=CLIENTS, seconds=SECONDS)
        healths = await closed(client, health, clients=CLIENTS, seconds=SECONDS)
        at_rate = await steady(client, report, rate=STEADY_RATE, seconds=SECONDS)
    finally:
        await client.close()
    return [
        Figure(
            f"incidents/s, {CLIENTS} clients",
            reports.rate,
            "requests/s",
            f"/healthz requests/s, {CLIENTS} clients",
            healths.rate,
            ">= 1,000/s and >= 0.25 x baseline",
        ),
        Figure(
            f"incident p50 ms, {CLIENTS} clients",
            reports.percentile_ms(0.5),
            "ms",
            f"/healthz p50 ms, {CLIENTS} clients",
            healths.percentile_ms(0.5),
        ),
        Figure(
            f"incident p99 ms, {CLIENTS} clients",
            reports.percentile_ms(0.99),
            "ms",
            f"/healthz p99 ms, {CLIENTS} clients",
            healths.percentile_ms(0.99),
        ),
        Figure(
            f"incident p99 ms at {STEADY_RATE}/s",
            at_rate.percentile_ms(0.99),
            "ms",
            f"/healthz p99 ms, {CLIENTS} clients",
            healths.percentile_ms(0.99),
            "< 50 ms",
        ),
    ]
