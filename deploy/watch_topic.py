"""Prints the CloudEvents on a topic, from the beginning, as they arrive.

    .venv/bin/python deploy/watch_topic.py escalations   (or: make topics TOPIC=incidents)

Reads EC_KAFKA_BOOTSTRAP_SERVERS (default 127.0.0.1:19092) and EC_TOPIC_PREFIX (default ec.).
Any Kafka client works as well; this one only decodes the headers for reading.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import uuid

from aiokafka import AIOKafkaConsumer


async def watch(topic: str) -> None:
    consumer = AIOKafkaConsumer(
        f"{os.environ.get('EC_TOPIC_PREFIX', 'ec.')}{topic}",
        bootstrap_servers=os.environ.get("EC_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092"),
        group_id=f"watch-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        async for record in consumer:
            headers = {k: v.decode(errors="replace") for k, v in record.headers}
            print(
                json.dumps(
                    {
                        "partition": record.partition,
                        "offset": record.offset,
                        "key": (record.key or b"").decode(errors="replace"),
                        "headers": headers,
                        "data": json.loads(record.value or b"null"),
                    },
                    indent=2,
                ),
                flush=True,
            )
    finally:
        await consumer.stop()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(watch(sys.argv[1] if len(sys.argv) > 1 else "escalations"))
