"""The store is the outbox: kill the escalation service mid-burst, restart it,
and every stored event reaches the topic, re-publishes keeping their ce_id."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import httpx
import pytest

from harness.factories import bearer
from harness.processes import ServiceProcess
from tests.e2e.conftest import cluster_env
from tests.support.kafka_reader import headers_of, read_until

pytestmark = pytest.mark.e2e
BURST = 300


async def test_a_killed_relay_publishes_every_stored_event_after_restart(
    postgres_url: str, kafka_servers: str, topic_prefix: str, tmp_path: Path
) -> None:
    env = cluster_env(postgres_url, kafka_servers, topic_prefix)
    first = ServiceProcess("ec_escalation", env=env, log_dir=tmp_path)
    first.start()
    await first.wait_healthy()

    # given a burst of commands, and the process killed (-9) in the middle of it
    acknowledged = 0
    a_third_acknowledged = asyncio.Event()

    async def start_one(client: httpx.AsyncClient, n: int) -> None:
        nonlocal acknowledged
        try:
            response = await client.post(
                "/v1/escalations", json={"reason": f"burst {n}"}, headers=bearer("operator")
            )
        except httpx.TransportError:
            return
        if response.status_code == 201:
            acknowledged += 1
            if acknowledged >= BURST // 3:
                a_third_acknowledged.set()

    async with httpx.AsyncClient(base_url=first.url, timeout=10) as client:
        burst = asyncio.gather(*(start_one(client, n) for n in range(BURST)))
        await asyncio.wait_for(a_third_acknowledged.wait(), 30)
        first.kill()
        await burst
    assert 0 < acknowledged < BURST

    # when it restarts
    second = ServiceProcess("ec_escalation", env=env, log_dir=tmp_path)
    second.start()
    try:
        await second.wait_healthy()
        async with httpx.AsyncClient(base_url=second.url, timeout=10) as client:
            stored = (
                await client.get("/v1/events", params={"limit": 10_000}, headers=bearer("auditor"))
            ).json()["items"]
    finally:
        second.stop()

    # then every stored event, and so every acknowledged one, is on the topic
    stored_ids = {event["id"] for event in stored}
    assert len(stored_ids) >= acknowledged
    records = await read_until(
        kafka_servers,
        f"{topic_prefix}escalations",
        lambda rs: stored_ids <= {headers_of(r)["ce_id"] for r in rs},
        timeout=60,
    )
    published = Counter(headers_of(r)["ce_id"] for r in records)
    assert set(published) == stored_ids  # nothing published that was not stored
    by_id = {headers_of(r)["ce_id"]: r.key for r in records}
    assert all(by_id[e["id"]] == e["escalation_id"].encode() for e in stored)
