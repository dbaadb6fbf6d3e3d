"""Commands through the escalation service's HTTP API, on its own process with
real PostgreSQL and Kafka: latency at a steady 200 commands/s, and the most it
takes; the baseline is the same app's /healthz measured the same way."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench.report import Figure
from tests.support.factories import API_TOKENS, bearer
from tests.support.infra import fresh_database, fresh_topic_prefix
from tests.support.processes import ServiceProcess

RATE = 200
SECONDS = 10.0
ESCALATIONS = 50
Request = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


async def _steady(
    client: httpx.AsyncClient, request: Request, rate: int, seconds: float
) -> list[float]:
    """Open loop: one request every 1/rate s whatever the answers do; latency is
    counted from when the request was due, so queueing shows."""
    latencies: list[float] = []
    started = time.perf_counter()
    total = int(rate * seconds)

    async def one(n: int) -> None:
        due = started + n / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        response = await request(client, n)
        response.raise_for_status()
        latencies.append(time.perf_counter() - due)

    await asyncio.gather(*(one(n) for n in range(total)))
    return latencies


async def _most(client: httpx.AsyncClient, request: Request, workers: int, seconds: float) -> float:
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker(w: int) -> None:
        nonlocal done
        n = w
        while time.perf_counter() < deadline:
            (await request(client, n)).raise_for_status()
            done += 1
            n += workers

    started = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(workers)))
    return done / (time.perf_counter() - started)


def _percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=1000)[int(share * 1000) - 1] * 1000


async def run(*, kafka: str) -> list[Figure]:
    async with fresh_database() as url:
        env = {
            "EC_DATABASE_URL": url,
            "EC_KAFKA_BOOTSTRAP_SERVERS": kafka,
            "EC_TOPIC_PREFIX": fresh_topic_prefix(),
            "EC_API_TOKENS": API_TOKENS,
        }
        with tempfile.TemporaryDirectory() as logs:
            service = ServiceProcess("ec_escalation", env=env, log_dir=Path(logs))
            service.start()
            try:
                await service.wait_healthy()
                return await _measure(service.url)
            finally:
                service.stop()


async def _measure(url: str) -> list[Figure]:
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        ids = []
        for n in range(ESCALATIONS):
            started = await client.post(
                "/v1/escalations", json={"reason": f"bench {n}"}, headers=bearer("operator")
            )
            ids.append(started.json()["id"])
        due = (datetime.now(UTC) + timedelta(days=1)).isoformat()

        async def progress(c: httpx.AsyncClient, n: int) -> httpx.Response:
            return await c.post(
                f"/v1/escalations/{ids[n % ESCALATIONS]}/progress",
                json={"note": f"update {n}", "next_update_due": due},
                headers=bearer("operator"),
            )

        async def health(c: httpx.AsyncClient, n: int) -> httpx.Response:
            return await c.get("/healthz")

        await _steady(client, progress, 50, 1.0)  # warm-up
        command_latency = await _steady(client, progress, RATE, SECONDS)
        health_latency = await _steady(client, health, RATE, SECONDS)
        command_rate = await _most(client, progress, 16, 5.0)
        health_rate = await _most(client, health, 16, 5.0)
    p50, p99 = _percentile(command_latency, 0.5), _percentile(command_latency, 0.99)
    h50, h99 = _percentile(health_latency, 0.5), _percentile(health_latency, 0.99)
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
