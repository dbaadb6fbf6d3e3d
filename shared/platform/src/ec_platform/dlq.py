"""The dead-letter topics, for operators: what is there and why, and sending a
message back to its own topic once what failed it is fixed.

    python -m ec_platform.dlq list ec.escalations.dlq
    python -m ec_platform.dlq replay ec.escalations.dlq --partition 0 --offset 7
    python -m ec_platform.dlq replay ec.escalations.dlq --all

Kafka is EC_KAFKA_BOOTSTRAP_SERVERS, or --bootstrap-servers. A replay publishes
the original key, value and headers (its `ce_id` with them) to the topic named
in `ec_dlq_topic`, adding `ec_replayed_from`; every consumer records the ids it
handled, so replaying a message twice, or one handled meanwhile, has one effect.
The dead letter stays where it is: the topic is a log, not a queue.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import TopicPartition

from ec_events import Message
from ec_events.topics import DEAD_LETTER_SUFFIX
from ec_platform.bus.dead_letters import DeadLetter, NotADeadLetter

# Exit codes besides 0 (done) and 2 (usage, as argparse has it).
NOT_FOUND = 3
Located = tuple[int, int, Message]  # partition, offset, message


async def read_topic(
    bootstrap: str, topic: str, *, partition: int | None = None, offset: int | None = None
) -> list[Located]:
    """Every message on the topic now (or the one at partition and offset),
    read without a consumer group, so reading commits nothing."""
    numbers = await partitions_of(bootstrap, topic)
    wanted = [TopicPartition(topic, p) for p in numbers if partition in (None, p)]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        if not wanted:
            return []
        consumer.assign(wanted)
        starts = await consumer.beginning_offsets(wanted)
        ends = await consumer.end_offsets(wanted)
        for part in wanted:
            if offset is None:
                consumer.seek(part, starts[part])
            elif starts[part] <= offset < ends[part]:
                consumer.seek(part, offset)
                ends[part] = offset + 1
            else:
                ends[part] = starts[part]  # nothing there to read
        found: list[Located] = []
        while pending := [p for p in wanted if await consumer.position(p) < ends[p]]:
            for part, records in (await consumer.getmany(*pending, timeout_ms=500)).items():
                found += [
                    (r.partition, r.offset, Message(r.key, r.value or b"", tuple(r.headers)))
                    for r in records
                    if r.offset < ends[part]
                ]
        return found
    finally:
        await consumer.stop()


async def partitions_of(bootstrap: str, topic: str) -> list[int]:
    """The topic's partitions; none when there is no such topic. (The metadata of
    every topic is asked for: asking for one could have the broker create it.)"""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics()
    finally:
        await admin.close()
    return sorted(
        part["partition"]
        for found in described
        if found["topic"] == topic
        for part in found["partitions"]
    )


async def publish(bootstrap: str, topic: str, messages: Sequence[Message]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        for message in messages:
            await producer.send_and_wait(
                topic, value=message.value, key=message.key, headers=list(message.headers)
            )
    finally:
        await producer.stop()


def describe(dlq_topic: str, located: Located) -> dict[str, object]:
    partition, offset, message = located
    where = {"partition": partition, "offset": offset}
    try:
        letter = DeadLetter.read(message, dlq_topic=dlq_topic)
    except NotADeadLetter as error:
        return {**where, "not_a_dead_letter": str(error)}
    return {
        **where,
        "topic": letter.topic,
        "topic_partition": letter.partition,
        "topic_offset": letter.offset,
        "group": letter.group,
        "reason": letter.reason,
        "at": letter.at,
        "key": (letter.original.key or b"").decode(errors="replace"),
        "ce_type": letter.original.header("ce_type"),
        "ce_id": letter.original.header("ce_id"),
    }


async def list_letters(bootstrap: str, dlq_topic: str) -> int:
    for located in await read_topic(bootstrap, dlq_topic):
        print(json.dumps(describe(dlq_topic, located)))
    return 0


async def replay(
    bootstrap: str, dlq_topic: str, *, partition: int | None, offset: int | None
) -> int:
    located = await read_topic(bootstrap, dlq_topic, partition=partition, offset=offset)
    if not located:
        print(f"replay: no message at {dlq_topic}:{partition}@{offset}", file=sys.stderr)
        return NOT_FOUND
    try:
        letters = [(p, o, DeadLetter.read(m, dlq_topic=dlq_topic)) for p, o, m in located]
    except NotADeadLetter as error:
        print(f"replay: {error}; nothing was replayed", file=sys.stderr)
        return NOT_FOUND
    for p, o, letter in letters:
        await publish(
            bootstrap, letter.topic, [letter.replay(replayed_from=f"{dlq_topic}:{p}@{o}")]
        )
        event_id = letter.original.header("ce_id")
        print(f"replayed {dlq_topic}:{p}@{o} to {letter.topic} (ce_id {event_id})")
    return 0


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="python -m ec_platform.dlq",
        description="List the dead letters of a `<topic>.dlq`, or replay them to their topic.",
        epilog=f"Exit codes: 0 done, 2 wrong usage or no Kafka named, {NOT_FOUND} no such "
        "message, or not a dead letter of that topic (nothing is replayed then).",
    )
    cli.add_argument("--bootstrap-servers", help="default: EC_KAFKA_BOOTSTRAP_SERVERS")
    commands = cli.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="one JSON line per dead letter, with its reason")
    listing.add_argument(
        "topic", help=f"a dead-letter topic, e.g. ec.escalations{DEAD_LETTER_SUFFIX}"
    )
    again = commands.add_parser("replay", help="publish dead letters to their topic again")
    again.add_argument(
        "topic", help=f"a dead-letter topic, e.g. ec.escalations{DEAD_LETTER_SUFFIX}"
    )
    which = again.add_mutually_exclusive_group(required=True)
    which.add_argument("--offset", type=int, help="the dead letter's offset (with --partition)")
    which.add_argument("--all", action="store_true", help="every dead letter on the topic")
    again.add_argument("--partition", type=int, help="the dead letter's partition")
    return cli


def main(argv: Sequence[str]) -> int:
    cli = parser()
    args = cli.parse_args(argv)
    if not args.topic.endswith(DEAD_LETTER_SUFFIX):
        cli.error(
            f"{args.topic} is not a dead-letter topic (its name ends in {DEAD_LETTER_SUFFIX})"
        )
    bootstrap = args.bootstrap_servers or os.environ.get("EC_KAFKA_BOOTSTRAP_SERVERS")
    if not bootstrap:
        cli.error("set EC_KAFKA_BOOTSTRAP_SERVERS or pass --bootstrap-servers")
    if args.command == "list":
        return asyncio.run(list_letters(bootstrap, args.topic))
    if args.offset is not None and args.partition is None:
        cli.error("--offset needs --partition")
    return asyncio.run(replay(bootstrap, args.topic, partition=args.partition, offset=args.offset))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
