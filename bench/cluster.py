"""The distributed mode as `make up` runs it (intake, escalation, notifier and
monitor, each its own process, on one database and one topic prefix), and what
the load process watches from outside: EscalationStarted arriving on the
escalations topic, and the escalation service's decision count."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from aiokafka import AIOKafkaConsumer

from harness.factories import API_TOKENS
from harness.infra import asyncpg_dsn, fresh_database, fresh_topic_prefix
from harness.processes import ServiceProcess, running_processes

SERVICES = ("intake", "escalation", "notifier", "monitor")


@dataclass
class Cluster:
    urls: dict[str, str]
    database_url: str
    prefix: str
    processes: dict[str, ServiceProcess]


@contextlib.asynccontextmanager
async def cluster(*, kafka: str, escalation_replicas: int = 1) -> AsyncIterator[Cluster]:
    """The four services; `escalation_replicas` escalation processes share its
    consumer groups (`urls["escalation"]` is the first's)."""
    async with fresh_database() as database_url:
        prefix = fresh_topic_prefix()
        env = {
            "EC_DATABASE_URL": database_url,
            "EC_KAFKA_BOOTSTRAP_SERVERS": kafka,
            "EC_TOPIC_PREFIX": prefix,
            "EC_API_TOKENS": API_TOKENS,
            "EC_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8",  # receivers on 127.0.0.1
        }
        with tempfile.TemporaryDirectory() as scratch:
            # EC_BENCH_LOGS keeps the services' logs for a look afterwards.
            logs = os.environ.get("EC_BENCH_LOGS") or scratch
            processes = {
                name: ServiceProcess(f"ec_{name}", env=env, log_dir=Path(logs)) for name in SERVICES
            }
            for replica in range(2, escalation_replicas + 1):
                processes[f"escalation-{replica}"] = ServiceProcess(
                    "ec_escalation", env=env, log_dir=Path(logs)
                )
            async with running_processes(processes):
                urls = {name: p.url for name, p in processes.items()}
                yield Cluster(urls, database_url, prefix, processes)


@dataclass
class Starts:
    """When each incident's EscalationStarted arrived (perf_counter), read
    from the escalations topic by a plain Kafka client."""

    at: dict[str, float] = field(default_factory=dict)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def seen(self, incident_id: str, now: float) -> None:
        self.at.setdefault(incident_id, now)
        self._changed.set()

    async def wait_for(self, incidents: set[str], *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not incidents <= self.at.keys():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._changed.wait()


@contextlib.asynccontextmanager
async def watching_starts(kafka: str, topic: str) -> AsyncIterator[Starts]:
    starts = Starts()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_wait_ms=20,
        metadata_max_age_ms=1000,
    )
    await consumer.start()

    async def read() -> None:
        while True:
            batches = await consumer.getmany(timeout_ms=200)
            now = time.perf_counter()
            for records in batches.values():
                for record in records:
                    headers = dict(record.headers)
                    if headers.get("ce_type", b"").endswith(b"EscalationStarted"):
                        for incident_id in json.loads(record.value or b"{}").get(
                            "incident_ids", []
                        ):
                            starts.seen(incident_id, now)

    task = asyncio.create_task(read())
    try:
        yield starts
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await consumer.stop()


class Decisions:
    """The escalation service's count of incident decisions, read directly."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection

    @classmethod
    @contextlib.asynccontextmanager
    async def of(cls, database_url: str) -> AsyncIterator[Decisions]:
        connection = await asyncpg.connect(asyncpg_dsn(database_url))
        try:
            yield cls(connection)
        finally:
            await connection.close()

    async def count(self) -> int:
        return int(
            await self._connection.fetchval("SELECT count(*) FROM escalation.incident_decisions")
        )

    async def drained(self, *, timeout: float) -> bool:
        """Whether every incident event the intake recorded has its decision
        (waiting up to `timeout`), so one measure starts with no backlog
        left by the one before."""
        recorded = int(await self._connection.fetchval("SELECT count(*) FROM intake.events"))
        return await self.wait_for(recorded, timeout=timeout) is not None

    async def wait_for(self, total: int, *, timeout: float) -> float | None:
        """When (perf_counter) the count reached `total`; None if not in time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if await self.count() >= total:
                return time.perf_counter()
            await asyncio.sleep(0.05)
        return None
