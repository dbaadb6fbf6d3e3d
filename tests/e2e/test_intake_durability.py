"""202 means durable: a kill -9 of the intake in the middle of a burst, and a
Kafka broker stopped in the middle of another, lose no acknowledged incident
and publish none as two different events."""

from __future__ import annotations

import asyncio
import subprocess
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from harness.factories import bearer, incident_body
from harness.processes import ServiceProcess
from tests.e2e.conftest import cluster_env
from tests.support.kafka_reader import headers_of, read_until

pytestmark = pytest.mark.e2e
BURST = 1000
DEPLOY = Path(__file__).parents[2] / "deploy"


@pytest.fixture
async def intake_env(postgres_url: str, kafka_servers: str, topic_prefix: str) -> dict[str, str]:
    return cluster_env(postgres_url, kafka_servers, topic_prefix)


async def burst(
    url: str,
    *,
    when_a_third_is_acknowledged: Callable[[], None] = lambda: None,
    size: int = BURST,
    name: str = "BURST",
) -> dict[str, str]:
    """Posts `size` incidents, 20 at a time; returns external id -> incident id
    for every 202, whatever happens to the process meanwhile."""
    acknowledged: dict[str, str] = {}
    fired = False
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(size):
        queue.put_nowait(n)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal fired
        while not queue.empty():
            body = incident_body(external_id=f"{name}-{queue.get_nowait()}", priority="P3")
            try:
                response = await client.post("/v1/incidents", json=body, headers=bearer("intake"))
            except httpx.TransportError:
                continue
            if response.status_code == 202:
                acknowledged[body["external_id"]] = response.json()["id"]
            if len(acknowledged) >= size // 3 and not fired:
                fired = True
                when_a_third_is_acknowledged()

    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        await asyncio.gather(*(worker(client) for _ in range(20)))
    return acknowledged


async def published_reports(kafka: str, topic: str, incidents: set[str]) -> dict[str, set[str]]:
    """incident id -> the distinct ce_ids of its IncidentReported on the topic."""

    def all_there(records: list) -> bool:  # type: ignore[type-arg]
        return incidents <= {r.key.decode() for r in records}

    records = await read_until(kafka, topic, all_there, timeout=90)
    reports: dict[str, set[str]] = defaultdict(set)
    for record in records:
        headers = headers_of(record)
        if headers["ce_type"].endswith("IncidentReported"):
            reports[record.key.decode()].add(headers["ce_id"])
    return reports


@pytest.fixture
async def restartable_intake(
    intake_env: dict[str, str], tmp_path: Path
) -> AsyncIterator[Callable[[], ServiceProcess]]:
    started: list[ServiceProcess] = []

    def start() -> ServiceProcess:
        process = ServiceProcess("ec_intake", env=intake_env, log_dir=tmp_path)
        process.start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


async def test_a_killed_intake_loses_no_acknowledged_incident(
    restartable_intake: Callable[[], ServiceProcess], kafka_servers: str, topic_prefix: str
) -> None:
    first = restartable_intake()
    await first.wait_healthy()

    acknowledged = await burst(first.url, when_a_third_is_acknowledged=first.kill)
    assert BURST // 3 <= len(acknowledged) < BURST

    second = restartable_intake()
    await second.wait_healthy()
    reports = await published_reports(
        kafka_servers, f"{topic_prefix}incidents", set(acknowledged.values())
    )
    assert all(len(reports[i]) == 1 for i in acknowledged.values())


def _kafka_is_ours() -> bool:
    return subprocess.run([str(DEPLOY / "kafka.sh"), "status"], check=False).returncode == 0


async def test_incidents_are_accepted_while_kafka_is_down_and_published_when_it_returns(
    restartable_intake: Callable[[], ServiceProcess], kafka_servers: str, topic_prefix: str
) -> None:
    if not _kafka_is_ours():
        pytest.skip("Kafka was not started by deploy/kafka.sh; it is not ours to stop")
    intake = restartable_intake()
    await intake.wait_healthy()
    stopping: list[asyncio.Task[None]] = []

    async def stop_kafka() -> None:
        await asyncio.to_thread(subprocess.run, [str(DEPLOY / "kafka.sh"), "stop"], check=True)

    try:
        acknowledged = await burst(
            intake.url,
            when_a_third_is_acknowledged=lambda: stopping.append(asyncio.create_task(stop_kafka())),
        )
        await asyncio.gather(*stopping)
        assert len(acknowledged) == BURST  # Kafka's absence refused nothing
    finally:
        await asyncio.to_thread(subprocess.run, [str(DEPLOY / "kafka.sh"), "start"], check=True)

    reports = await published_reports(
        kafka_servers, f"{topic_prefix}incidents", set(acknowledged.values())
    )
    assert all(len(reports[i]) == 1 for i in acknowledged.values())
