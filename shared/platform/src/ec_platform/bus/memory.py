"""The in-process bus of the embedded mode (and of fast tests).

Same delivery semantics as Kafka: per-topic order, consumer groups that share
work and keep their own offsets, offsets advanced only after the handler
returned, dead letters for what cannot be handled. Topics live in memory, so
relays publish their whole log again when the process starts (see Relay) and
consumers skip what their inboxes say they handled: acknowledged data survives
a restart in the services' own tables."""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Callable, Sequence

from ec_events import Message
from ec_platform.bus.base import BatchHandler, Delivery, Handler, Subscription
from ec_platform.bus.processing import DeliveryProcessor, RetryPolicy

BATCH = 100


class InMemoryBus:
    durable = False

    def __init__(self, policy: RetryPolicy | None = None) -> None:
        self.policy = policy or RetryPolicy()
        self._topics: dict[str, list[Message]] = defaultdict(list)
        self._offsets: dict[tuple[str, str], int] = defaultdict(int)
        self._group_locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._published = asyncio.Condition()

    async def publish(self, topic: str, messages: Sequence[Message]) -> None:
        async with self._published:
            self._topics[topic].extend(messages)
            self._published.notify_all()

    async def ensure_topics(self, topics: Sequence[str]) -> None:
        for topic in topics:
            self._topics.setdefault(topic, [])

    def messages(self, topic: str) -> list[Message]:
        """What a topic holds (for inspection and tests)."""
        return list(self._topics.get(topic, []))

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
            system="in-process",
        )
        return _InMemoryConsumer(self, group, tuple(topics), processor)

    async def close(self) -> None:
        return None

    def _pending(self, group: str, topics: Sequence[str]) -> list[Delivery]:
        for topic in topics:
            offset = self._offsets[(group, topic)]
            log = self._topics.get(topic, [])
            if offset < len(log):
                return [
                    Delivery(topic=topic, partition=0, offset=offset + i, message=message)
                    for i, message in enumerate(log[offset : offset + BATCH])
                ]
        return []

    async def _drain_once(
        self, group: str, topics: Sequence[str], processor: DeliveryProcessor
    ) -> bool:
        # One member of a group at a time, like one partition owned by one consumer.
        async with self._group_locks[group]:
            batch = self._pending(group, topics)
            if batch:
                await processor.process_batch(batch, self._committer(group))
            return bool(batch)

    def _committer(self, group: str) -> Callable[[Delivery], None]:
        def commit(delivery: Delivery) -> None:
            self._offsets[(group, delivery.topic)] = delivery.offset + 1

        return commit

    async def _wait_for(self, group: str, topics: Sequence[str]) -> None:
        async with self._published:
            await self._published.wait_for(lambda: bool(self._pending(group, topics)))


class _InMemoryConsumer:
    def __init__(
        self, bus: InMemoryBus, group: str, topics: tuple[str, ...], processor: DeliveryProcessor
    ) -> None:
        self._bus = bus
        self._group = group
        self._topics = topics
        self._processor = processor
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"consumer:{self._group}")

    async def _run(self) -> None:
        while True:
            if not await self._bus._drain_once(self._group, self._topics, self._processor):
                await self._bus._wait_for(self._group, self._topics)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
