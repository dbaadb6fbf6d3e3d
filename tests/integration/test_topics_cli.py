"""`python -m ec_platform.topics` on real Kafka: a topic grows by partitions
(never shrinks), and a consumer group's lag is what it has not yet committed."""

from __future__ import annotations

import asyncio
import subprocess
from datetime import UTC, datetime

import pytest

from ec_events import Message
from ec_platform.bus import Delivery
from ec_platform.bus.kafka import KafkaBus
from ec_platform.bus.kafka_common import KafkaOptions
from ec_platform.topics import group_lag, partition_counts
from harness.waiting import eventually
from tests.support.operator_cli import operator_command

pytestmark = pytest.mark.kafka

REFUSED = 3


def topics_cli(*args: str, bootstrap: str) -> subprocess.CompletedProcess[str]:
    return operator_command("ec_platform.topics", *args, bootstrap=bootstrap)


def kafka_bus(bootstrap: str, *, partitions: int = 1) -> KafkaBus:
    options = KafkaOptions(
        bootstrap_servers=bootstrap,
        partitions=partitions,
        session_timeout_ms=6000,
        heartbeat_interval_ms=500,
        client_id="topics-test",
    )
    return KafkaBus(options)


async def test_a_topic_grows_to_more_partitions_and_never_shrinks(
    kafka_servers: str, topic_prefix: str
) -> None:
    # given a topic of one partition
    topic = f"{topic_prefix}escalations"
    bus = kafka_bus(kafka_servers)
    await bus.start()
    try:
        await bus.ensure_topics([topic])
    finally:
        await bus.close()

    # when it is grown to three, then asked to shrink to two
    grown = await asyncio.to_thread(topics_cli, "partitions", topic, "3", bootstrap=kafka_servers)
    shrunk = await asyncio.to_thread(topics_cli, "partitions", topic, "2", bootstrap=kafka_servers)

    # then it has three, and the shrinking was refused, saying why
    assert grown.returncode == 0, grown.stderr
    await eventually(lambda: _partitions_are(kafka_servers, topic, 3))
    assert shrunk.returncode == REFUSED
    assert "Kafka can only add partitions" in shrunk.stderr
    described = await asyncio.to_thread(
        topics_cli, "describe", "--prefix", topic_prefix, bootstrap=kafka_servers
    )
    assert f"{topic}\t3" in described.stdout.splitlines()
    assert f"{topic_prefix}incidents\tmissing" in described.stdout.splitlines()


async def test_a_groups_lag_is_what_it_has_not_yet_handled(
    kafka_servers: str, topic_prefix: str
) -> None:
    # given a group that handled the four messages on a topic, and stopped
    topic = f"{topic_prefix}escalations"
    group = f"{topic_prefix}notifier"
    bus = kafka_bus(kafka_servers, partitions=2)
    await bus.start()
    handled: list[bytes] = []

    async def handle(delivery: Delivery) -> None:
        handled.append(delivery.message.value)

    try:
        await bus.ensure_topics([topic])
        await bus.publish(topic, [Message(key=f"k{i}".encode(), value=b"v") for i in range(4)])
        subscription = bus.subscribe(group=group, topics=[topic], handler=handle)
        await subscription.start()
        try:
            await eventually(lambda: _handled(handled, 4))
            await eventually(lambda: _lag_is(kafka_servers, group, 0))
        finally:
            await subscription.stop()

        # when three more arrive while it is stopped
        await bus.publish(topic, [Message(key=f"k{i}".encode(), value=b"v") for i in range(3)])

        # then its lag is those three, per partition and in all
        lags = await group_lag(kafka_servers, group)
        assert sum(row.lag for row in lags) == 3
        assert all(row.lag == row.end - (row.committed or 0) for row in lags)
        shown = await asyncio.to_thread(topics_cli, "lag", group, bootstrap=kafka_servers)
        assert shown.returncode == 0, shown.stderr
        assert f"total lag of {group}: 3" in shown.stdout
    finally:
        await bus.close()


async def test_a_stopped_group_rewound_to_a_time_reads_again_what_came_after_it(
    kafka_servers: str, topic_prefix: str
) -> None:
    # given a group that handled two messages sent before a moment and two after
    topic = f"{topic_prefix}incidents"
    group = f"{topic_prefix}escalation.incidents"
    bus = kafka_bus(kafka_servers, partitions=2)
    await bus.start()
    handled: list[bytes] = []

    async def handle(delivery: Delivery) -> None:
        handled.append(delivery.message.value)

    try:
        await bus.ensure_topics([topic])
        await bus.publish(topic, [Message(key=f"k{i}".encode(), value=b"before") for i in range(2)])
        moment = datetime.now(UTC)
        await asyncio.sleep(0.01)  # a later millisecond: Kafka's timestamps are in ms
        await bus.publish(topic, [Message(key=f"k{i}".encode(), value=b"after") for i in range(2)])
        subscription = bus.subscribe(group=group, topics=[topic], handler=handle)
        await subscription.start()
        try:
            await eventually(lambda: _handled(handled, 4))
            await eventually(lambda: _lag_is(kafka_servers, group, 0))

            # when it is rewound while its consumer runs, then Kafka refuses
            running = await asyncio.to_thread(
                topics_cli,
                "rewind",
                group,
                topic,
                "--to",
                moment.isoformat(),
                bootstrap=kafka_servers,
            )
            assert running.returncode == REFUSED, running.stdout
            assert "are the group's consumers stopped?" in running.stderr
            assert "UnknownMemberId" in running.stderr  # Kafka: not a member of the group
        finally:
            await subscription.stop()

        # when it is rewound to the moment once stopped
        rewound = await asyncio.to_thread(
            topics_cli, "rewind", group, topic, "--to", moment.isoformat(), bootstrap=kafka_servers
        )

        # then what came after the moment is to be read again, and only that
        assert rewound.returncode == 0, rewound.stderr
        assert sum(row.lag for row in await group_lag(kafka_servers, group)) == 2
    finally:
        await bus.close()


def test_the_lag_of_a_group_with_no_offsets_is_refused(kafka_servers: str) -> None:
    shown = topics_cli("lag", "no-such-group-xyz", bootstrap=kafka_servers)

    assert shown.returncode == REFUSED
    assert "has committed no offsets" in shown.stderr


async def _partitions_are(bootstrap: str, topic: str, count: int) -> bool:
    return (await partition_counts(bootstrap)).get(topic) == count


async def _handled(handled: list[bytes], count: int) -> bool:
    return len(handled) >= count


async def _lag_is(bootstrap: str, group: str, lag: int) -> bool:
    rows = await group_lag(bootstrap, group)
    return bool(rows) and sum(row.lag for row in rows) == lag
