"""What the Kafka clients share: their options, and connecting with retries."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aiokafka.errors import KafkaError

log = logging.getLogger(__name__)
RECONNECT_PAUSE_S = 2.0
C = TypeVar("C")


@dataclass(frozen=True)
class KafkaOptions:
    bootstrap_servers: str
    partitions: int = 3
    replication_factor: int = 1
    session_timeout_ms: int = 10_000
    heartbeat_interval_ms: int = 3_000
    client_id: str = "escalation-center"
    request_timeout_ms: int = 15_000


async def started(make: Callable[[], C], start: Callable[[C], Awaitable[Any]], what: str) -> C:
    """A client that has connected, however many attempts that takes."""
    while True:
        client = make()
        try:
            await start(client)
            return client
        except (KafkaError, OSError) as error:
            log.warning("%s: Kafka is not reachable (%r); retrying", what, error)
            with contextlib.suppress(Exception):
                await client.stop()  # type: ignore[attr-defined]
            await asyncio.sleep(RECONNECT_PAUSE_S)
