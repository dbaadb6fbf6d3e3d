"""The topics, for operators: their partitions, a consumer group's lag, and
adding partitions (Kafka's own kafka-topics.sh does the same; the Kafka that
`make up` runs comes without it).

    python -m ec_platform.topics describe        # the topics of EC_TOPIC_PREFIX
    python -m ec_platform.topics lag notifier    # a consumer group (README, the runbook)
    python -m ec_platform.topics partitions ec.escalations 6
    python -m ec_platform.topics rewind escalation.incidents ec.incidents --to 2026-12-01T03:00:00Z

Kafka is EC_KAFKA_BOOTSTRAP_SERVERS, or --bootstrap-servers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewPartitions
from aiokafka.errors import KafkaError
from aiokafka.structs import TopicPartition

from ec_events import Topics

# Exit codes besides 0 (done) and 2 (usage, as argparse has it).
REFUSED = 3


@dataclass(frozen=True)
class PartitionLag:
    topic: str
    partition: int
    committed: int | None  # None: the group has committed nothing there yet
    end: int
    lag: int


async def partition_counts(bootstrap: str) -> dict[str, int]:
    """Every topic and its partitions (asking for all: asking for one topic by
    name could have the broker create it)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics()
    finally:
        await admin.close()
    return {found["topic"]: len(found["partitions"]) for found in described}


async def group_lag(bootstrap: str, group: str) -> list[PartitionLag]:
    """How far the group is behind on each partition it has read from; where it
    committed nothing, from the partition's first offset (the services start
    a new group at the earliest offset)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    topics = {tp.topic for tp in committed}
    counts = await partition_counts(bootstrap)
    partitions = [TopicPartition(t, p) for t in sorted(topics) for p in range(counts.get(t, 0))]
    if not partitions:
        return []
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        starts = await consumer.beginning_offsets(partitions)
        ends = await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()
    lags = []
    for tp in partitions:
        done = committed[tp].offset if tp in committed else None
        lag = ends[tp] - (done if done is not None else starts[tp])
        lags.append(PartitionLag(tp.topic, tp.partition, done, ends[tp], lag))
    return lags


async def add_partitions(bootstrap: str, topic: str, count: int) -> str | None:
    """Grows the topic to `count` partitions; the reason when it cannot."""
    counts = await partition_counts(bootstrap)
    if topic not in counts:
        return f"there is no topic {topic}"
    if count <= counts[topic]:
        return f"{topic} has {counts[topic]} partitions; Kafka can only add partitions"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_partitions({topic: NewPartitions(total_count=count)})
    finally:
        await admin.close()
    return None


async def rewind(bootstrap: str, group: str, topic: str, to: datetime) -> dict[int, int]:
    """Sets the group's committed offsets on the topic to the first message at
    or after `to` (the end, where none is). Kafka refuses it while the group has
    members: stop its consumers first."""
    partitions = [
        TopicPartition(topic, p) for p in range((await partition_counts(bootstrap))[topic])
    ]
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign(partitions)
        found = await consumer.offsets_for_times(
            {tp: int(to.timestamp() * 1000) for tp in partitions}
        )
        ends = await consumer.end_offsets(partitions)
        offsets = {tp: found[tp].offset if found[tp] else ends[tp] for tp in partitions}
        await consumer.commit(offsets)
    finally:
        await consumer.stop()
    return {tp.partition: offset for tp, offset in offsets.items()}


async def _describe(bootstrap: str, prefix: str) -> int:
    counts = await partition_counts(bootstrap)
    for topic in Topics(prefix).with_dead_letters():
        print(f"{topic}\t{counts.get(topic, 'missing')}")
    return 0


async def _lag(bootstrap: str, group: str) -> int:
    lags = await group_lag(bootstrap, group)
    if not lags:
        print(f"lag: the group {group} has committed no offsets", file=sys.stderr)
        return REFUSED
    for row in lags:
        committed = "-" if row.committed is None else row.committed
        print(f"{row.topic}\t{row.partition}\t{committed}\t{row.end}\t{row.lag}")
    print(f"total lag of {group}: {sum(row.lag for row in lags)}")
    return 0


async def _partitions(bootstrap: str, topic: str, count: int) -> int:
    refused = await add_partitions(bootstrap, topic, count)
    if refused:
        print(f"partitions: {refused}", file=sys.stderr)
        return REFUSED
    print(f"{topic} now has {count} partitions")
    return 0


async def _rewind(bootstrap: str, group: str, topic: str, to: datetime) -> int:
    if topic not in await partition_counts(bootstrap):
        print(f"rewind: there is no topic {topic}", file=sys.stderr)
        return REFUSED
    try:
        offsets = await rewind(bootstrap, group, topic, to)
    except KafkaError as error:
        print(f"rewind: refused ({error!r}); are the group's consumers stopped?", file=sys.stderr)
        return REFUSED
    for partition, offset in sorted(offsets.items()):
        print(f"{topic}\t{partition}\t{offset}")
    return 0


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="python -m ec_platform.topics",
        description="Topics' partitions, a consumer group's lag and offsets, more partitions.",
        epilog=f"Exit codes: 0 done, 2 wrong usage or no Kafka named, {REFUSED} refused "
        "(no such topic, fewer partitions than now, a group with no offsets, a rewind "
        "of a group whose consumers run).",
    )
    cli.add_argument("--bootstrap-servers", help="default: EC_KAFKA_BOOTSTRAP_SERVERS")
    commands = cli.add_subparsers(dest="command", required=True)
    describe = commands.add_parser("describe", help="each topic and its partitions")
    describe.add_argument("--prefix", help="default: EC_TOPIC_PREFIX, else ec.")
    lag = commands.add_parser("lag", help="topic, partition, committed, end offset, lag")
    lag.add_argument("group", help="escalation.incidents, escalation.monitor, notifier, monitor")
    grow = commands.add_parser("partitions", help="grow a topic to COUNT partitions")
    grow.add_argument("topic")
    grow.add_argument("count", type=int)
    back = commands.add_parser("rewind", help="the group reads the topic again from a time")
    back.add_argument("group")
    back.add_argument("topic")
    back.add_argument("--to", required=True, type=_aware_time, help="ISO 8601, with a zone")
    return cli


def main(argv: Sequence[str]) -> int:
    cli = parser()
    args = cli.parse_args(argv)
    bootstrap = args.bootstrap_servers or os.environ.get("EC_KAFKA_BOOTSTRAP_SERVERS")
    if not bootstrap:
        cli.error("set EC_KAFKA_BOOTSTRAP_SERVERS or pass --bootstrap-servers")
    if args.command == "describe":
        prefix = args.prefix or os.environ.get("EC_TOPIC_PREFIX", "ec.")
        return asyncio.run(_describe(bootstrap, prefix))
    if args.command == "lag":
        return asyncio.run(_lag(bootstrap, args.group))
    if args.command == "rewind":
        return asyncio.run(_rewind(bootstrap, args.group, args.topic, args.to))
    return asyncio.run(_partitions(bootstrap, args.topic, args.count))


def _aware_time(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text} names no time zone (add Z or +01:00)")
    return value


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
