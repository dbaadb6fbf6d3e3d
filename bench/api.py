"""Commands through the escalation service's HTTP API, on its own process with
real PostgreSQL and Kafka: latency at a steady 200 commands/s, and the most it
takes; the baseline is the same app's /healthz measured the same way."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx

from bench.http import Answer, LeanClient
from bench.load import closed, steady
from bench.report import Figure
from bench.service import running
from harness.factories import bearer

RATE = 200
SECONDS = 10.0
ESCALATIONS = 50


async def run(*, kafka: str) -> list[Figure]:
    async with running("ec_escalation", kafka=kafka) as service:
        return await _measure(service.url)


async def _measure(url: str) -> list[Figure]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as setup:
        ids = []
        for n in range(ESCALATIONS):
            started = await setup.post(
                "/v1/escalations", json={"reason": f"bench {n}"}, headers=bearer("operator")
            )
            ids.append(started.json()["id"])
    due = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    client = LeanClient(url, headers=bearer("operator"), connections=64)

    async def progress(c: LeanClient, n: int) -> Answer:
        body = json.dumps({"note": f"update {n}", "next_update_due": due}).encode()
        return await c.request("POST", f"/v1/escalations/{ids[n % ESCALATIONS]}/progress", body)

    async def health(c: LeanClient, n: int) -> Answer:
        return await c.request("GET", "/healthz")

    try:
        await steady(client, progress, rate=50, seconds=1.0)  # warm-up
        commands = await steady(client, progress, rate=RATE, seconds=SECONDS)
        healths = await steady(client, health, rate=RATE, seconds=SECONDS)
        command_rate = (await closed(client, progress, clients=16, seconds=5.0)).rate
        health_rate = (await closed(client, health, clients=16, seconds=5.0)).rate
    finally:
        await client.close()
    p50, p99 = commands.percentile_ms(0.5), commands.percentile_ms(0.99)
    h50, h99 = healths.percentile_ms(0.5), healths.percentile_ms(0.99)
    return [
        Figure(
            f"command p50 ms at {RATE}/s (POST progress)",
            p50,
            "ms",
            f"/healthz p50 ms at {RATE}/s",
            h50,
        ),
        Figure(
            f"command p99 ms at {RATE}/s", p99, "ms", f"/healthz p99 ms at {RATE}/s", h99, "< 25 ms"
        ),
        Figure(
            "commands/s, 16 concurrent clients",
            command_rate,
            "requests/s",
            "/healthz requests/s, 16 clients",
            health_rate,
        ),
    ]
