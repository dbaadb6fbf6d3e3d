"""The floor under the pipeline's latency, written with the same drivers: a
PostgreSQL commit (SQLAlchemy on asyncpg), a produce (aiokafka, acks=all,
idempotent), a consumer that commits and produces again, and a reader. The
same hops as incident accepted -> EscalationStarted read, with no framework,
no relay poll and no domain in between."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

TABLE = "bench_chain"


async def latencies(
    *, database_url: str, kafka: str, prefix: str, rate: int, seconds: float, wait: float
) -> list[float]:
    """Seconds from each first commit to the chain's end, at `rate` per second."""
    first, second = f"{prefix}chain-a", f"{prefix}chain-b"
    engine = create_async_engine(database_url, pool_size=20)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(f"CREATE TABLE IF NOT EXISTS {TABLE} (id uuid PRIMARY KEY, hop int)")
            )
        await _topics(kafka, [first, second])
        async with _producer(kafka) as producer, _consumers(kafka, first, second) as (hop, end):
            run = _Chain(engine, producer, (first, second))
            tasks = [asyncio.create_task(run.relay_hop(hop)), asyncio.create_task(run.read(end))]
            try:
                await run.drive(rate, seconds)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await run.all_arrived.wait()
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            return [run.arrived.get(key, float("inf")) - at for key, at in run.committed.items()]
    finally:
        await engine.dispose()


class _Chain:
    def __init__(
        self, engine: AsyncEngine, producer: AIOKafkaProducer, topics: tuple[str, str]
    ) -> None:
        self.engine = engine
        self.producer = producer
        self.topics = topics
        self.committed: dict[bytes, float] = {}
        self.arrived: dict[bytes, float] = {}
        self.all_arrived = asyncio.Event()
        self._driving = True

    async def commit(self, key: bytes, hop: int) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                text(f"INSERT INTO {TABLE} VALUES (:id, :hop) ON CONFLICT DO NOTHING"),
                {"id": uuid.UUID(bytes=key[:16]), "hop": hop},
            )

    async def one(self) -> None:
        key = uuid.uuid4().bytes
        await self.commit(key, 1)
        self.committed[key] = time.perf_counter()
        await self.producer.send_and_wait(self.topics[0], key=key, value=b"{}")

    async def drive(self, rate: int, seconds: float) -> None:
        started = time.perf_counter()
        running = []
        for n in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
            running.append(asyncio.create_task(self.one()))
        await asyncio.gather(*running)
        self._driving = False
        self._check()

    async def relay_hop(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                # Each message its own transaction, as a consumer without
                # batching does, but all of a poll at once.
                await asyncio.gather(*(self.forward(r.key) for r in records if r.key))

    async def forward(self, key: bytes) -> None:
        await self.commit(key, 2)
        await self.producer.send_and_wait(self.topics[1], key=key, value=b"{}")

    async def read(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                now = time.perf_counter()
                for record in records:
                    assert record.key is not None
                    self.arrived.setdefault(record.key, now)
            self._check()

    def _check(self) -> None:
        if not self._driving and self.committed.keys() <= self.arrived.keys():
            self.all_arrived.set()


async def _topics(kafka: str, names: list[str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, 3, 1) for name in names])
    finally:
        await admin.close()


@contextlib.asynccontextmanager
async def _producer(kafka: str) -> AsyncIterator[AIOKafkaProducer]:
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka, enable_idempotence=True, acks="all", linger_ms=2
    )
    await producer.start()
    try:
        yield producer
    finally:
        await producer.stop()


@contextlib.asynccontextmanager
async def _consumers(
    kafka: str, first: str, second: str
) -> AsyncIterator[tuple[AIOKafkaConsumer, AIOKafkaConsumer]]:
    hop, end = (
        AIOKafkaConsumer(
            topic,
            bootstrap_servers=kafka,
            group_id=f"chain-{uuid.uuid4().hex[:8]}",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            fetch_max_wait_ms=20,
        )
        for topic in (first, second)
    )
    await hop.start()
    await end.start()
    try:
        # Both assigned before the first message, as the services' are.
        for consumer in (hop, end):
            while not consumer.assignment():  # noqa: ASYNC110 (aiokafka offers no event)
                await asyncio.sleep(0.05)
        yield hop, end
    finally:
        await hop.stop()
        await end.stop()
