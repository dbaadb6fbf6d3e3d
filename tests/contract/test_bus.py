"""One contract, two adapters: the in-process bus and real Kafka behave alike."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack

import pytest

from ec_events import Message, dead_letter_topic
from ec_platform.bus import Bus, Delivery, InMemoryBus, PoisonMessage, Subscription
from ec_platform.bus.kafka import KafkaBus
from ec_platform.bus.kafka_common import KafkaOptions
from ec_platform.bus.processing import RetryPolicy
from harness.infra import kafka_bootstrap
from harness.waiting import eventually

FAST = RetryPolicy(max_attempts=3, backoff_s=0.01)


class BusUnderTest:
    def __init__(self, bus: Bus, stack: AsyncExitStack) -> None:
        self.bus = bus
        self.stack = stack
        self.topic = f"contract-{uuid.uuid4().hex[:10]}"

    async def ready(self, *topics: str) -> None:
        names = topics or (self.topic,)
        await self.bus.ensure_topics([*names, *(dead_letter_topic(t) for t in names)])

    async def subscribe(
        self,
        handler: Callable[[Delivery], Awaitable[None]],
        *,
        group: str,
        topic: str | None = None,
    ) -> Subscription:
        subscription = self.bus.subscribe(
            group=group, topics=[topic or self.topic], handler=handler
        )
        await subscription.start()
        self.stack.push_async_callback(subscription.stop)
        return subscription

    async def collect(self, topic: str) -> list[Delivery]:
        seen: list[Delivery] = []

        async def keep(delivery: Delivery) -> None:
            seen.append(delivery)

        await self.subscribe(keep, group=f"reader-{uuid.uuid4().hex[:6]}", topic=topic)
        return seen


def message(key: str, value: str) -> Message:
    return Message(key=key.encode(), value=value.encode(), headers=(("h", b"v"),))


@pytest.fixture(params=["in-process", "kafka"])
async def under_test(request: pytest.FixtureRequest) -> AsyncIterator[BusUnderTest]:
    async with AsyncExitStack() as stack:
        bus: Bus
        if request.param == "kafka":
            kafka = KafkaBus(
                KafkaOptions(
                    bootstrap_servers=kafka_bootstrap(),
                    partitions=3,
                    session_timeout_ms=6000,
                    heartbeat_interval_ms=500,
                    client_id="contract-test",
                ),
                FAST,
            )
            await kafka.start()
            bus = kafka
        else:
            bus = InMemoryBus(FAST)
        stack.push_async_callback(bus.close)
        yield BusUnderTest(bus, stack)


async def test_messages_of_one_key_arrive_in_order_with_headers(under_test: BusUnderTest) -> None:
    await under_test.ready()
    seen = await under_test.collect(under_test.topic)

    await under_test.bus.publish(under_test.topic, [message("k1", str(i)) for i in range(20)])

    await eventually(lambda: _at_least(seen, 20))
    assert [d.message.value.decode() for d in seen] == [str(i) for i in range(20)]
    assert all(d.message.key == b"k1" and d.message.header("h") == "v" for d in seen)


async def test_every_group_gets_every_message(under_test: BusUnderTest) -> None:
    await under_test.ready()
    first = await under_test.collect(under_test.topic)
    second = await under_test.collect(under_test.topic)

    await under_test.bus.publish(under_test.topic, [message(f"k{i}", str(i)) for i in range(10)])

    await eventually(lambda: _at_least(first, 10))
    await eventually(lambda: _at_least(second, 10))
    assert sorted(d.message.value for d in first) == sorted(d.message.value for d in second)


async def test_members_of_one_group_share_the_work_without_repeats(
    under_test: BusUnderTest,
) -> None:
    await under_test.ready()
    handled: list[tuple[str, bytes]] = []

    def member(name: str) -> Callable[[Delivery], Awaitable[None]]:
        async def handle(delivery: Delivery) -> None:
            handled.append((name, delivery.message.value))

        return handle

    await under_test.subscribe(member("a"), group="workers")
    await under_test.subscribe(member("b"), group="workers")
    await asyncio.sleep(1)  # let the group settle before the burst

    await under_test.bus.publish(under_test.topic, [message(f"k{i}", str(i)) for i in range(60)])

    await eventually(lambda: _at_least(handled, 60))
    await asyncio.sleep(0.5)
    values = [value for _, value in handled]
    assert sorted(values) == sorted(str(i).encode() for i in range(60))


async def test_a_message_that_keeps_failing_is_dead_lettered_and_the_consumer_carries_on(
    under_test: BusUnderTest,
) -> None:
    await under_test.ready()
    dead = await under_test.collect(dead_letter_topic(under_test.topic))
    handled: list[bytes] = []
    attempts = 0

    async def handle(delivery: Delivery) -> None:
        nonlocal attempts
        if delivery.message.value == b"bad":
            attempts += 1
            raise RuntimeError("cannot handle this one")
        handled.append(delivery.message.value)

    await under_test.subscribe(handle, group="g")
    await under_test.bus.publish(
        under_test.topic, [message("k", "good-1"), message("k", "bad"), message("k", "good-2")]
    )

    await eventually(lambda: _at_least(handled, 2))
    [letter] = await eventually(lambda: _at_least(dead, 1))
    assert handled == [b"good-1", b"good-2"]
    assert attempts == FAST.max_attempts
    assert letter.message.value == b"bad"
    assert "cannot handle this one" in (letter.message.header("ec_dlq_reason") or "")
    assert letter.message.header("ec_dlq_topic") == under_test.topic
    assert letter.message.header("ec_dlq_group") == "g"


async def test_an_undecodable_message_is_dead_lettered_at_once(under_test: BusUnderTest) -> None:
    await under_test.ready()
    dead = await under_test.collect(dead_letter_topic(under_test.topic))
    attempts = 0

    async def handle(delivery: Delivery) -> None:
        nonlocal attempts
        attempts += 1
        delivery.decode()

    await under_test.subscribe(handle, group="g")
    await under_test.bus.publish(under_test.topic, [message("k", "garbage")])

    [letter] = await eventually(lambda: _at_least(dead, 1))
    assert attempts == 1
    assert (letter.message.header("ec_dlq_reason") or "").startswith("poison")


async def test_transient_failures_are_retried_not_dead_lettered(under_test: BusUnderTest) -> None:
    await under_test.ready()
    dead = await under_test.collect(dead_letter_topic(under_test.topic))
    failures_left = FAST.max_attempts + 2  # more than the limit for permanent errors
    handled: list[bytes] = []

    async def handle(delivery: Delivery) -> None:
        nonlocal failures_left
        if failures_left:
            failures_left -= 1
            raise ConnectionRefusedError("database restarting")
        handled.append(delivery.message.value)

    await under_test.subscribe(handle, group="g")
    await under_test.bus.publish(under_test.topic, [message("k", "v")])

    await eventually(lambda: _at_least(handled, 1))
    assert handled == [b"v"]
    assert dead == []


async def test_offsets_advance_only_after_the_handler_returned(under_test: BusUnderTest) -> None:
    # given a consumer that handles the first message and hangs in the second
    await under_test.ready()
    first_run: list[bytes] = []
    stuck = asyncio.Event()

    async def hang_on_second(delivery: Delivery) -> None:
        if delivery.message.value == b"2":
            stuck.set()
            await asyncio.Event().wait()
        first_run.append(delivery.message.value)

    consumer = await under_test.subscribe(hang_on_second, group="durable")
    await under_test.bus.publish(under_test.topic, [message("k", "1"), message("k", "2")])
    await asyncio.wait_for(stuck.wait(), 30)

    # when it stops (a crash mid-handling) and another member of the group starts
    await consumer.stop()
    second_run: list[bytes] = []

    async def keep(delivery: Delivery) -> None:
        second_run.append(delivery.message.value)

    await under_test.subscribe(keep, group="durable")

    # then the unfinished message comes again, the finished one does not
    await eventually(lambda: _at_least(second_run, 1))
    assert first_run == [b"1"]
    assert second_run == [b"2"]


async def test_a_handler_can_declare_a_message_poison(under_test: BusUnderTest) -> None:
    await under_test.ready()
    dead = await under_test.collect(dead_letter_topic(under_test.topic))

    async def refuse(_: Delivery) -> None:
        raise PoisonMessage("refers to an unknown escalation")

    await under_test.subscribe(refuse, group="g")
    await under_test.bus.publish(under_test.topic, [message("k", "v")])

    [letter] = await eventually(lambda: _at_least(dead, 1))
    assert "unknown escalation" in (letter.message.header("ec_dlq_reason") or "")


async def _at_least(items: list[object], count: int) -> list[object] | None:
    return items if len(items) >= count else None


async def test_a_batch_handler_takes_what_arrived_together(under_test: BusUnderTest) -> None:
    await under_test.ready()
    batches: list[list[bytes]] = []

    async def one(delivery: Delivery) -> None:
        batches.append([delivery.message.value])

    async def many(deliveries: list[Delivery]) -> None:
        batches.append([d.message.value for d in deliveries])

    await under_test.bus.publish(under_test.topic, [message("k", str(i)) for i in range(50)])
    subscription = under_test.bus.subscribe(
        group="batches", topics=[under_test.topic], handler=one, batch_handler=many
    )
    await subscription.start()
    under_test.stack.push_async_callback(subscription.stop)

    await eventually(lambda: _at_least([v for b in batches for v in b], 50))
    assert [v for b in batches for v in b] == [str(i).encode() for i in range(50)]
    assert max(len(b) for b in batches) > 1


async def test_a_failing_batch_is_handled_one_by_one_and_only_the_bad_message_dead_letters(
    under_test: BusUnderTest,
) -> None:
    await under_test.ready()
    dead = await under_test.collect(dead_letter_topic(under_test.topic))
    handled: list[bytes] = []

    async def one(delivery: Delivery) -> None:
        if delivery.message.value == b"bad":
            raise PoisonMessage("unreadable")
        handled.append(delivery.message.value)

    async def many(deliveries: list[Delivery]) -> None:
        for delivery in deliveries:
            if delivery.message.value == b"bad":
                raise PoisonMessage("unreadable")
        handled.extend(d.message.value for d in deliveries)

    await under_test.bus.publish(
        under_test.topic, [message("k", "a"), message("k", "bad"), message("k", "b")]
    )
    subscription = under_test.bus.subscribe(
        group="batches", topics=[under_test.topic], handler=one, batch_handler=many
    )
    await subscription.start()
    under_test.stack.push_async_callback(subscription.stop)

    await eventually(lambda: _at_least(handled, 2))
    [letter] = await eventually(lambda: _at_least(dead, 1))
    assert handled == [b"a", b"b"]
    assert letter.message.value == b"bad"
