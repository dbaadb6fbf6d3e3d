"""The Kafka adapter (aiokafka): idempotent producer with acks=all; topics
created as needed. The broker may be down when a service starts or at any time
after: clients connect in the background and retry, and publishing waits (the
callers, relays, retry), so a service keeps accepting work while Kafka is away."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import (
    InvalidProducerEpoch,
    KafkaError,
    OutOfOrderSequenceNumber,
    ProducerFenced,
    TopicAlreadyExistsError,
    UnknownProducerId,
)

from ec_events import Message
from ec_platform.bus.base import BatchHandler, Handler, Subscription
from ec_platform.bus.kafka_common import KafkaOptions, started
from ec_platform.bus.kafka_consumer import KafkaConsumer
from ec_platform.bus.processing import DeliveryProcessor, RetryPolicy
from ec_platform.tasks import BackgroundTasks

log = logging.getLogger(__name__)
# How long a publish waits for a producer that is still connecting; the caller
# sees a TimeoutError (a passing fault) and tries again later.
READY_WAIT_S = 5.0
# Answers meaning the broker no longer accepts this producer's id and sequence
# numbers: batches expired while the broker was away leave a gap that an
# idempotent aiokafka producer never closes by itself. A new producer (a new id,
# sequences from zero) is the way out; what failed is published again by the
# caller, with the same CloudEvent ids.
PRODUCER_STATE_LOST = (
    OutOfOrderSequenceNumber,
    UnknownProducerId,
    InvalidProducerEpoch,
    ProducerFenced,
)


class KafkaBus:
    durable = True

    def __init__(self, options: KafkaOptions, policy: RetryPolicy | None = None) -> None:
        self.options = options
        self.policy = policy or RetryPolicy()
        self._producer: AIOKafkaProducer | None = None
        self._ready = asyncio.Event()
        self._tasks = BackgroundTasks()

    async def start(self) -> None:
        self._tasks.start("kafka producer", self._connect())

    async def _connect(self) -> None:
        self._producer = await started(self._new_producer, AIOKafkaProducer.start, "producer")
        self._ready.set()

    def _new_producer(self) -> AIOKafkaProducer:
        return AIOKafkaProducer(
            bootstrap_servers=self.options.bootstrap_servers,
            client_id=self.options.client_id,
            enable_idempotence=True,
            acks="all",
            linger_ms=2,
            request_timeout_ms=self.options.request_timeout_ms,
        )

    async def close(self) -> None:
        await self._tasks.stop()
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def publish(self, topic: str, messages: Sequence[Message]) -> None:
        async with asyncio.timeout(READY_WAIT_S):  # not wait_for: see tasks.Doorbell
            await self._ready.wait()
        producer = self._producer
        assert producer is not None
        try:
            pending = [
                await producer.send(
                    topic, value=message.value, key=message.key, headers=list(message.headers)
                )
                for message in messages
            ]
            await asyncio.gather(*pending)
        except PRODUCER_STATE_LOST:
            await self._renew(producer)
            raise

    async def _renew(self, failed: AIOKafkaProducer) -> None:
        """Replaces a producer the broker gave up on; once, however many
        publishes saw it fail."""
        if id(self._producer) != id(failed):  # another publish has renewed it
            return
        log.warning("Kafka no longer accepts this producer's sequence; starting a new producer")
        self._ready.clear()
        self._producer = None
        with contextlib.suppress(Exception):
            async with asyncio.timeout(READY_WAIT_S):
                await failed.stop()
        self._tasks.start("kafka producer", self._connect())

    async def ensure_topics(self, topics: Sequence[str]) -> None:
        """Creates what is missing, now or, while Kafka is away, once it is back."""
        try:
            async with asyncio.timeout(READY_WAIT_S):
                await self._create_topics(topics)
        except (TimeoutError, KafkaError, OSError) as error:
            log.warning("topics not checked yet (%r); will retry in the background", error)
            self._tasks.start("kafka topics", self._create_topics(topics))

    async def _create_topics(self, topics: Sequence[str]) -> None:
        admin = await started(
            lambda: AIOKafkaAdminClient(
                bootstrap_servers=self.options.bootstrap_servers, client_id=self.options.client_id
            ),
            AIOKafkaAdminClient.start,
            "topic admin",
        )
        try:
            existing = set(await admin.list_topics())
            missing = [
                NewTopic(topic, self.options.partitions, self.options.replication_factor)
                for topic in topics
                if topic not in existing
            ]
            if missing:
                # Another replica may have created them first.
                with contextlib.suppress(TopicAlreadyExistsError):
                    await admin.create_topics(missing)
        finally:
            await admin.close()

    def subscribe(
        self,
        *,
        group: str,
        topics: Sequence[str],
        handler: Handler,
        batch_handler: BatchHandler | None = None,
    ) -> Subscription:
        processor = DeliveryProcessor(
            group=group,
            handler=handler,
            batch_handler=batch_handler,
            publish=self.publish,
            policy=self.policy,
            system="kafka",
        )
        return KafkaConsumer(self.options, group, tuple(topics), processor)
