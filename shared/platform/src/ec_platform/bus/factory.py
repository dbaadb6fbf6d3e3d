"""Choosing the bus from settings: Kafka when bootstrap servers are set."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from ec_platform.bus.base import Bus
from ec_platform.bus.kafka import KafkaBus
from ec_platform.bus.kafka_common import KafkaOptions
from ec_platform.bus.memory import InMemoryBus
from ec_platform.bus.processing import RetryPolicy
from ec_platform.settings import PlatformSettings


@contextlib.asynccontextmanager
async def open_bus(settings: PlatformSettings, *, client_id: str) -> AsyncIterator[Bus]:
    policy = RetryPolicy(
        max_attempts=settings.consumer_max_attempts, backoff_s=settings.consumer_retry_backoff_s
    )
    bus: Bus
    if settings.kafka_bootstrap_servers:
        kafka = KafkaBus(
            KafkaOptions(
                bootstrap_servers=settings.kafka_bootstrap_servers,
                partitions=settings.kafka_topic_partitions,
                session_timeout_ms=settings.kafka_session_timeout_ms,
                heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
                client_id=client_id,
            ),
            policy,
        )
        await kafka.start()
        bus = kafka
    else:
        bus = InMemoryBus(policy)
    try:
        await bus.ensure_topics(settings.topics.with_dead_letters())
        yield bus
    finally:
        await bus.close()
