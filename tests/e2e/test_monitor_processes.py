"""The monitor as separate processes on real Kafka and PostgreSQL: a timer that
fell due while the monitor was down fires once when it is back, and two
replicas fire each of 1,000 timers exactly once, never before it is due."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from ec_events import Envelope
from ec_events.escalations import EscalationStarted, MonitoringStarted
from harness.factories import bearer
from harness.processes import ServiceProcess
from harness.waiting import eventually
from tests.e2e.conftest import cluster_env
from tests.support.kafka_reader import read_all, read_until
from tests.support.timers import assert_fired_when_due

pytestmark = pytest.mark.e2e


@pytest.fixture
def env(postgres_url: str, kafka_servers: str, topic_prefix: str) -> dict[str, str]:
    return cluster_env(postgres_url, kafka_servers, topic_prefix)


@pytest.fixture
async def producer(kafka_servers: str) -> AsyncIterator[AIOKafkaProducer]:
    producer = AIOKafkaProducer(bootstrap_servers=kafka_servers, acks="all")
    await producer.start()
    yield producer
    await producer.stop()


async def resolved_escalations(
    producer: AIOKafkaProducer, topic: str, ends: list[datetime]
) -> list[uuid.UUID]:
    """Publishes, as the escalation service would, escalations that started and
    are now in monitoring until the given times."""
    ids = []
    now = datetime.now(UTC)
    for ends_at in ends:
        escalation_id = uuid.uuid4()
        ids.append(escalation_id)
        for version, event in enumerate(
            (
                EscalationStarted(
                    escalation_id=escalation_id,
                    trigger="manual",
                    reason="test",
                    title="t",
                    started_at=now,
                ),
                MonitoringStarted(
                    escalation_id=escalation_id,
                    round=1,
                    customer_confirmed=True,
                    monitoring_period=ends_at - now,
                    started_at=now,
                    ends_at=ends_at,
                ),
            ),
            start=1,
        ):
            envelope = Envelope.wrap(event, id=uuid.uuid4(), source="/test/escalation")
            envelope.extensions["streamversion"] = str(version)
            message = envelope.to_binary()
            await producer.send(
                topic, message.value, key=message.key, headers=list(message.headers)
            )
    await producer.flush()
    return ids


def elapsed_requests(records: list[Any]) -> Counter[str]:
    """timer id -> how many different MonitoringPeriodElapsed events named it."""
    seen: dict[str, set[str]] = {}
    for record in records:
        headers = {k: v.decode() for k, v in record.headers}
        if headers["ce_type"].endswith("MonitoringPeriodElapsed"):
            timer = json.loads(record.value)["timer_id"]
            seen.setdefault(timer, set()).add(headers["ce_id"])
    return Counter({timer: len(ids) for timer, ids in seen.items()})


async def timers(url: str, **params: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = None
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        while True:
            query = {**params, "limit": "500", **({"cursor": cursor} if cursor else {})}
            page = (await client.get("/v1/timers", params=query, headers=bearer("operator"))).json()
            found.extend(page["items"])
            cursor = page["next"]
            if cursor is None:
                return found


async def test_a_timer_due_while_the_monitor_was_down_fires_once_it_is_back(
    env: dict[str, str],
    producer: AIOKafkaProducer,
    kafka_servers: str,
    topic_prefix: str,
    tmp_path: Path,
) -> None:
    first = ServiceProcess("ec_monitor", env=env, log_dir=tmp_path)
    first.start()
    await first.wait_healthy()
    [escalation] = await resolved_escalations(
        producer, f"{topic_prefix}escalations", [datetime.now(UTC) + timedelta(seconds=4)]
    )
    await eventually(
        lambda: timers(first.url, escalation_id=str(escalation), kind="monitoring_period"),
    )
    first.kill()
    await asyncio.sleep(5)  # the timer falls due while nobody is watching

    second = ServiceProcess("ec_monitor", env=env, log_dir=tmp_path)
    second.start()
    try:
        await second.wait_healthy()
        records = await read_until(
            kafka_servers, f"{topic_prefix}monitor", lambda rs: bool(elapsed_requests(rs))
        )
        await asyncio.sleep(2)  # long enough for a second firing to show, were there one
        records = await read_all(kafka_servers, f"{topic_prefix}monitor")
        [timer] = await timers(second.url, escalation_id=str(escalation), kind="monitoring_period")
    finally:
        second.stop()
    assert list(elapsed_requests(records).values()) == [1]
    assert timer["status"] == "fired"


async def test_two_replicas_fire_each_of_a_thousand_timers_exactly_once_and_in_time(
    env: dict[str, str],
    producer: AIOKafkaProducer,
    kafka_servers: str,
    topic_prefix: str,
    tmp_path: Path,
) -> None:
    replicas = [ServiceProcess("ec_monitor", env=env, log_dir=tmp_path) for _ in range(2)]
    for replica in replicas:
        replica.start()
    try:
        for replica in replicas:
            await replica.wait_healthy()
        soon = datetime.now(UTC) + timedelta(seconds=8)
        ends = [soon + timedelta(milliseconds=2 * n) for n in range(1000)]
        await resolved_escalations(producer, f"{topic_prefix}escalations", ends)

        records = await read_until(
            kafka_servers,
            f"{topic_prefix}monitor",
            lambda rs: len(elapsed_requests(rs)) >= 1000,
        )
        await asyncio.sleep(2)
        records = await read_all(kafka_servers, f"{topic_prefix}monitor")
        fired = await timers(replicas[0].url, kind="monitoring_period", status="fired")
    finally:
        for replica in replicas:
            replica.stop()

    counts = elapsed_requests(records)
    assert len(counts) == 1000
    assert set(counts.values()) == {1}
    assert len(fired) == 1000
    for timer in fired:
        assert_fired_when_due(timer)
