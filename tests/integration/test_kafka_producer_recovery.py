"""A producer the broker gave up on is replaced, so publishing resumes.

When the broker goes away in the middle of a burst, the idempotent producer's
expired batches leave its sequence numbers ahead of what the broker wrote, and
the broker answers every later batch with OutOfOrderSequenceNumber. Before the
bus renewed its producer, an intake kept accepting incidents after Kafka came
back but never published them again (found by the Kafka-restart e2e test)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from aiokafka import ConsumerRecord, TopicPartition
from aiokafka.errors import OutOfOrderSequenceNumber

from ec_events import Message
from ec_platform.bus.kafka import KafkaBus
from ec_platform.bus.kafka_common import KafkaOptions
from harness.infra import kafka_bootstrap
from harness.waiting import eventually
from tests.support.kafka_reader import read_until

PARTITIONS = 3


@pytest.fixture
async def bus() -> AsyncIterator[KafkaBus]:
    kafka = KafkaBus(
        KafkaOptions(
            bootstrap_servers=kafka_bootstrap(), partitions=PARTITIONS, client_id="recovery-test"
        )
    )
    await kafka.start()
    try:
        yield kafka
    finally:
        await kafka.close()


def incident(n: int) -> Message:
    return Message(key=f"incident-{n}".encode(), value=f"report {n}".encode(), headers=())


def lose_the_brokers_sequence(bus: KafkaBus, topic: str) -> None:
    """What expired batches leave behind: the producer believes it has sent
    more on each partition than the broker ever wrote."""
    producer = bus._producer  # the state the broker disagrees with
    assert producer is not None
    sequences = producer._txn_manager
    assert sequences is not None
    for partition in range(PARTITIONS):
        sequences.increment_sequence_number(TopicPartition(topic, partition), 7)


async def test_publishing_resumes_on_a_new_producer_after_the_broker_refused_the_sequence(
    bus: KafkaBus,
) -> None:
    # given a topic that has taken one message, and a producer out of step with the broker
    topic = f"recovery-{uuid.uuid4().hex[:10]}"
    await bus.ensure_topics([topic])
    await bus.publish(topic, [incident(0)])
    lose_the_brokers_sequence(bus, topic)

    # when the broker refuses the next publish, and the caller tries again as a relay does
    with pytest.raises(OutOfOrderSequenceNumber):
        await bus.publish(topic, [incident(1), incident(2)])

    async def published_again() -> bool:
        try:
            await bus.publish(topic, [incident(1), incident(2)])
        except (OutOfOrderSequenceNumber, TimeoutError):
            return False
        return True

    await eventually(published_again, interval=0.5)

    # then the refused messages are on the topic too (a partition that took one
    # before refusing may hold it twice: the same message, which consumers skip)
    expected = {"incident-0", "incident-1", "incident-2"}

    def keys(records: list[ConsumerRecord[bytes, bytes]]) -> set[str]:
        return {r.key.decode() for r in records if r.key is not None}

    records = await read_until(kafka_bootstrap(), topic, lambda seen: keys(seen) >= expected)
    assert keys(records) == expected
