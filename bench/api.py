"""Commands through the escalation service's HTTP API, on its own process with
real PostgreSQL and Kafka: latency at a steady 200 commands/s, and the most it
takes; the baseline is the same app's /healthz measured the same way."""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench.http import Answer, LeanClient
from bench.report import Figure
from tests.support.factories import API_TOKENS, bearer
from tests.support.infra import fresh_database, fresh_topic_prefix
from tests.support.processes import ServiceProcess

RATE = 200
SECONDS = 10.0
ESCALATIONS = 50
Request = Callable[[LeanClient, int], Awaitable[Answer]]


async def _steady(client: LeanClient, request: Request, rate: int, seconds: float) -> list[float]:
    """Open loop: one request every 1/rate s whatever the answers do; latency is
    counted from when the request was due, so queueing shows."""
    latencies: list[float] = []
    started = time.perf_counter()

    async def one(n: int, due: float) -> None:
        answer = await request(client, n)
        assert answer.status < 300, answer.body
        latencies.append(time.perf_counter() - due)

    running = []
    for n in range(int(rate * seconds)):
        due = started + n / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        running.append(asyncio.create_task(one(n, due)))
    await asyncio.gather(*running)
    return latencies


async def _most(client: LeanClient, request: Request, workers: int, seconds: float) -> float:
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker(w: int) -> None:
        nonlocal done
        n = w
        while time.perf_counter() < deadline:
            assert (await request(client, n)).status < 300
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
        await _steady(client, progress, 50, 1.0)  # warm-up
        command_latency = await _steady(client, progress, RATE, SECONDS)
        health_latency = await _steady(client, health, RATE, SECONDS)
        command_rate = await _most(client, progress, 16, 5.0)
        health_rate = await _most(client, health, 16, 5.0)
    finally:
        await client.close()
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
