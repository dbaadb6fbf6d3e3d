"""Publishing through the bus adapter, against the raw aiokafka producer."""

from __future__ import annotations

import time
import uuid

from aiokafka import AIOKafkaProducer

from bench.report import Figure
from ec_events import Message
from ec_platform.bus.kafka import KafkaBus
from ec_platform.bus.kafka_common import KafkaOptions

MESSAGES = 50_000
BATCH = 1_000
VALUE = b"x" * 100


def _messages() -> list[Message]:
    return [Message(key=f"k{i % 64}".encode(), value=VALUE) for i in range(BATCH)]


async def _raw_rate(bootstrap: str, topic: str) -> float:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", linger_ms=2
    )
    await producer.start()
    try:
        started = time.perf_counter()
        for _ in range(MESSAGES // BATCH):
            futures = [
                await producer.send(topic, VALUE, key=f"k{i % 64}".encode()) for i in range(BATCH)
            ]
            for future in futures:
                await future
        return MESSAGES / (time.perf_counter() - started)
    finally:
        await producer.stop()


async def run(*, bootstrap: str) -> list[Figure]:
    topic = f"bench-{uuid.uuid4().hex[:8]}"
    kafka = KafkaBus(KafkaOptions(bootstrap_servers=bootstrap, partitions=3))
    await kafka.start()
    try:
        await kafka.ensure_topics([topic])
        batch = _messages()
        await kafka.publish(topic, batch)  # warm-up: leaders elected, connections open
        started = time.perf_counter()
        for _ in range(MESSAGES // BATCH):
            await kafka.publish(topic, batch)
        adapter_rate = MESSAGES / (time.perf_counter() - started)
    finally:
        await kafka.close()
    raw_rate = await _raw_rate(bootstrap, topic)
    return [
        Figure(
            "Kafka bus publish, 100-byte messages/s",
            adapter_rate,
            "messages/s",
            "raw aiokafka producer, same settings",
            raw_rate,
        ),
    ]
