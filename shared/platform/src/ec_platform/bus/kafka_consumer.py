"""A consumer group member: manual commits after the handler's effect is
durable, committing what was handled on every batch, on rebalance and on stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError

from ec_events import Message
from ec_platform.bus.base import Delivery
from ec_platform.bus.kafka_common import KafkaOptions, started
from ec_platform.bus.processing import DeliveryProcessor
from ec_platform.tasks import keep_running

log = logging.getLogger(__name__)


class KafkaConsumer:
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
        """Returns at once: joining the group happens in the background, so a
        service starts even while Kafka is away."""
        self._task = asyncio.create_task(self._run(), name=f"consumer:{self._group}")

    def _new_consumer(self) -> AIOKafkaConsumer:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._options.bootstrap_servers,
            client_id=self._options.client_id,
            group_id=self._group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=self._options.session_timeout_ms,
            heartbeat_interval_ms=self._options.heartbeat_interval_ms,
        )
        consumer.subscribe(list(self._topics), listener=_CommitOnRevoke(self))
        return consumer

    async def _run(self) -> None:
        consumer = await started(self._new_consumer, AIOKafkaConsumer.start, self._group)
        self._consumer = consumer
        await keep_running(f"consumer {self._group}", lambda: self._consume_batch(consumer))

    async def _consume_batch(self, consumer: AIOKafkaConsumer) -> None:
        batches = await consumer.getmany(timeout_ms=500, max_records=200)
        for records in batches.values():
            deliveries = [
                Delivery(
                    record.topic,
                    record.partition,
                    record.offset,
                    Message(
                        key=record.key, value=record.value or b"", headers=tuple(record.headers)
                    ),
                )
                for record in records
            ]
            await self._processor.process_batch(deliveries, self._mark_handled)
        await self.commit_handled()

    def _mark_handled(self, delivery: Delivery) -> None:
        self._handled[TopicPartition(delivery.topic, delivery.partition)] = delivery.offset + 1

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
    def __init__(self, consumer: KafkaConsumer) -> None:
        self._consumer = consumer

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self._consumer.commit_handled()

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        return None
