"""The Kafka adapter (aiokafka): idempotent producer with acks=all, consumer
groups with manual commits after the handler's effect is durable."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import CommitFailedError, TopicAlreadyExistsError

from ec_events import Message
from ec_platform.bus.base import Delivery, Handler, Subscription
from ec_platform.bus.processing import DeliveryProcessor, RetryPolicy
from ec_platform.tasks import keep_running

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KafkaOptions:
    bootstrap_servers: str
    partitions: int = 3
    replication_factor: int = 1
    session_timeout_ms: int = 10_000
    heartbeat_interval_ms: int = 3_000
    client_id: str = "escalation-center"


class KafkaBus:
    def __init__(self, options: KafkaOptions, policy: RetryPolicy | None = None) -> None:
        self.options = options
        self.policy = policy or RetryPolicy()
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        producer = AIOKafkaProducer(
            bootstrap_servers=self.options.bootstrap_servers,
            client_id=self.options.client_id,
            enable_idempotence=True,
            acks="all",
            linger_ms=2,
        )
        await producer.start()
        self._producer = producer

    async def close(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def publish(self, topic: str, messages: Sequence[Message]) -> None:
        if self._producer is None:
            raise RuntimeError("the Kafka bus is not started")
        pending = [
            await self._producer.send(
                topic, value=message.value, key=message.key, headers=list(message.headers)
            )
            for message in messages
        ]
        await asyncio.gather(*pending)

    async def ensure_topics(self, topics: Sequence[str]) -> None:
        admin = AIOKafkaAdminClient(
            bootstrap_servers=self.options.bootstrap_servers, client_id=self.options.client_id
        )
        await admin.start()
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

    def subscribe(self, *, group: str, topics: Sequence[str], handler: Handler) -> Subscription:
        processor = DeliveryProcessor(
            group=group, handler=handler, publish=self.publish, policy=self.policy
        )
        return _KafkaConsumer(self.options, group, tuple(topics), processor)


class _KafkaConsumer:
    def __init__(
        self,
        options: KafkaOptions,
        group: str,
        topics: tuple[str, ...],
        processor: DeliveryProcessor,
    ) -> None:
        self._options = options
        self._group = group
        self._topics = topics
        self._processor = processor
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        # Next offset to commit per partition: advanced after each handled
        # record, committed after each batch, on rebalance and on stop, so a
        # graceful stop re-delivers nothing that was handled.
        self._handled: dict[TopicPartition, int] = {}

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self._options.bootstrap_servers,
            client_id=self._options.client_id,
            group_id=self._group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=self._options.session_timeout_ms,
            heartbeat_interval_ms=self._options.heartbeat_interval_ms,
        )
        self._consumer.subscribe(list(self._topics), listener=_CommitOnRevoke(self))
        await self._consumer.start()
        self._task = asyncio.create_task(self._run(), name=f"consumer:{self._group}")

    async def _run(self) -> None:
        consumer = self._consumer
        assert consumer is not None
        await keep_running(f"consumer {self._group}", lambda: self._consume_batch(consumer))

    async def _consume_batch(self, consumer: AIOKafkaConsumer) -> None:
        batches = await consumer.getmany(timeout_ms=500, max_records=200)
        for partition, records in batches.items():
            for record in records:
                message = Message(
                    key=record.key, value=record.value or b"", headers=tuple(record.headers)
                )
                await self._processor.process(
                    Delivery(record.topic, record.partition, record.offset, message)
                )
                self._handled[partition] = record.offset + 1
        await self.commit_handled()

    async def commit_handled(self) -> None:
        if not self._handled or self._consumer is None:
            return
        offsets, self._handled = self._handled, {}
        try:
            await self._consumer.commit(offsets)
        except CommitFailedError as error:
            # The partitions moved to another member; it will see these again,
            # and the handlers' effects are idempotent.
            log.warning("group %s: commit failed after a rebalance: %s", self._group, error)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._consumer is not None:
            with contextlib.suppress(Exception):  # best effort: at-least-once holds anyway
                await self.commit_handled()
            await self._consumer.stop()
            self._consumer = None


class _CommitOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, consumer: _KafkaConsumer) -> None:
        self._consumer = consumer

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self._consumer.commit_handled()

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        return None
