"""`python -m ec_platform.dlq` on real Kafka: a message dead-lettered by a
consumer's bug is listed with its reason and, once the bug is fixed, replayed to
its topic, where the consumer handles it as it was first sent."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from ec_events import Message, dead_letter_topic
from ec_platform.bus import Delivery
from ec_platform.bus.dead_letters import REPLAYED_FROM
from ec_platform.bus.kafka import KafkaBus
from ec_platform.bus.kafka_common import KafkaOptions
from ec_platform.bus.processing import RetryPolicy
from harness.waiting import eventually
from tests.support.kafka_reader import read_until
from tests.support.operator_cli import operator_command

pytestmark = pytest.mark.kafka

NOT_FOUND = 3


def dlq(*args: str, bootstrap: str) -> subprocess.CompletedProcess[str]:
    return operator_command("ec_platform.dlq", *args, bootstrap=bootstrap)


def event(event_id: str, value: bytes) -> Message:
    return Message(key=b"esc-1", value=value, headers=(("ce_id", event_id.encode()),))


@dataclass
class BuggyConsumer:
    """Fails every message whose value is b"bad" until its bug is fixed."""

    fixed: bool = False
    handled: list[Message] = field(default_factory=list)

    async def handle(self, delivery: Delivery) -> None:
        if delivery.message.value == b"bad" and not self.fixed:
            raise RuntimeError("a bug in the handler")
        self.handled.append(delivery.message)

    async def has_handled(self, event_id: str) -> Message | None:
        return next((m for m in self.handled if m.header("ce_id") == event_id), None)


@pytest.fixture
async def consumer(kafka_servers: str, topic_prefix: str) -> AsyncIterator[BuggyConsumer]:
    topic = f"{topic_prefix}escalations"
    bus = KafkaBus(
        KafkaOptions(
            bootstrap_servers=kafka_servers,
            session_timeout_ms=6000,
            heartbeat_interval_ms=500,
            client_id="dlq-test",
        ),
        RetryPolicy(max_attempts=2, backoff_s=0.01),
    )
    await bus.start()
    await bus.ensure_topics([topic, dead_letter_topic(topic)])
    buggy = BuggyConsumer()
    subscription = bus.subscribe(group="notifier", topics=[topic], handler=buggy.handle)
    await subscription.start()
    try:
        yield buggy
    finally:
        await subscription.stop()
        await bus.close()


async def publish(kafka_servers: str, topic: str, messages: list[Message]) -> None:
    bus = KafkaBus(KafkaOptions(bootstrap_servers=kafka_servers, client_id="dlq-test-sender"))
    await bus.start()
    try:
        await bus.publish(topic, messages)
    finally:
        await bus.close()


async def test_a_dead_letter_is_listed_with_its_reason_and_once_replayed_is_handled(
    consumer: BuggyConsumer, kafka_servers: str, topic_prefix: str
) -> None:
    # given a message the consumer dead-lettered, between two it handled
    topic = f"{topic_prefix}escalations"
    dead = dead_letter_topic(topic)
    sent = [event("evt-1", b"good"), event("evt-2", b"bad"), event("evt-3", b"good")]
    await publish(kafka_servers, topic, sent)
    [letter] = await read_until(kafka_servers, dead, lambda records: len(records) >= 1)
    await eventually(lambda: consumer.has_handled("evt-3"))

    # when it is listed
    listed = await asyncio.to_thread(dlq, "list", dead, bootstrap=kafka_servers)

    # then the listing says whose it was, where it was read, and why it failed
    assert listed.returncode == 0, listed.stderr
    [line] = [json.loads(text) for text in listed.stdout.splitlines()]
    assert (line["partition"], line["offset"]) == (letter.partition, letter.offset)
    assert (line["topic"], line["group"], line["ce_id"]) == (topic, "notifier", "evt-2")
    assert "a bug in the handler" in line["reason"]

    # when the bug is fixed and the dead letter replayed
    consumer.fixed = True
    where = ["--partition", str(letter.partition), "--offset", str(letter.offset)]
    replayed = await asyncio.to_thread(dlq, "replay", dead, *where, bootstrap=kafka_servers)

    # then the consumer handles the message as it was sent, marked as replayed
    assert replayed.returncode == 0, replayed.stderr
    handled = await eventually(lambda: consumer.has_handled("evt-2"))
    assert (handled.key, handled.value) == (b"esc-1", b"bad")
    assert not [k for k, _ in handled.headers if k.startswith("ec_dlq_")]
    assert handled.header(REPLAYED_FROM) == f"{dead}:{letter.partition}@{letter.offset}"


async def test_replay_all_sends_every_dead_letter_back(
    consumer: BuggyConsumer, kafka_servers: str, topic_prefix: str
) -> None:
    # given two dead letters
    topic = f"{topic_prefix}escalations"
    dead = dead_letter_topic(topic)
    await publish(kafka_servers, topic, [event("evt-a", b"bad"), event("evt-b", b"bad")])
    await read_until(kafka_servers, dead, lambda records: len(records) >= 2)

    # when
    consumer.fixed = True
    replayed = await asyncio.to_thread(dlq, "replay", dead, "--all", bootstrap=kafka_servers)

    # then
    assert replayed.returncode == 0, replayed.stderr
    assert replayed.stdout.count("replayed ") == 2
    await eventually(lambda: consumer.has_handled("evt-a"))
    await eventually(lambda: consumer.has_handled("evt-b"))


async def test_nothing_is_replayed_from_an_offset_that_holds_no_message(
    consumer: BuggyConsumer, kafka_servers: str, topic_prefix: str
) -> None:
    dead = dead_letter_topic(f"{topic_prefix}escalations")

    missing = await asyncio.to_thread(
        dlq, "replay", dead, "--partition", "0", "--offset", "99", bootstrap=kafka_servers
    )

    assert missing.returncode == NOT_FOUND
    assert f"no message at {dead}:0@99" in missing.stderr


def test_a_topic_that_is_not_a_dead_letter_topic_is_refused() -> None:
    refused = dlq("replay", "ec.escalations", "--all", bootstrap="127.0.0.1:1")

    assert refused.returncode == 2
    assert "not a dead-letter topic" in refused.stderr
