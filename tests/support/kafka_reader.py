"""Reading a topic with a plain Kafka client, as any subscriber would."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import ConsumerRecord, TopicPartition

from harness.waiting import GENEROUS_WAIT


async def read_until(
    bootstrap: str,
    topic: str,
    found: Callable[[list[ConsumerRecord[bytes, bytes]]], bool],
    *,
    timeout: float = GENEROUS_WAIT,
) -> list[ConsumerRecord[bytes, bytes]]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"reader-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    deadline = time.monotonic() + timeout
    try:
        while not found(records):
            if time.monotonic() > deadline:
                raise AssertionError(f"{topic}: not found in {timeout} s; read {len(records)}")
            batches = await consumer.getmany(timeout_ms=500)
            for batch in batches.values():
                records.extend(batch)
        return records
    finally:
        await consumer.stop()


def headers_of(record: ConsumerRecord[bytes, bytes]) -> dict[str, str]:
    return {key: value.decode() for key, value in record.headers}


async def read_all(bootstrap: str, topic: str) -> list[ConsumerRecord[bytes, bytes]]:
    """Everything on the topic now: read from the start up to its end offsets."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        numbers = await producer.partitions_for(topic)  # waits for the topic's metadata
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in numbers]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list[ConsumerRecord[bytes, bytes]] = []
        while [p for p in partitions if await consumer.position(p) < ends[p]]:
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(batch)
        return records
    finally:
        await consumer.stop()
