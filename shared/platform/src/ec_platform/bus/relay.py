"""Publishes an event log to a topic: the log is the outbox.

Appending and publishing cannot be one transaction, so the relay tails the
log by position, publishes what lies past its position, and records that
position (its checkpoint, in the same database) at most every
`checkpoint_every_s` and when it stops. A crash re-publishes what came after
the last checkpoint, with the same CloudEvent ids; nothing is ever skipped.

Of several replicas of a service, one relays at a time: the one holding a
PostgreSQL advisory lock named after the relay. The others wait to take over."""

from __future__ import annotations

import asyncio
import contextlib
import time

from opentelemetry.trace import SpanKind
from sqlalchemy import Table, text

from ec_platform.bus.base import Bus
from ec_platform.observability.tracing import (
    messaging_attributes,
    parent_from,
    trace_context_of,
    tracer,
)
from ec_platform.storage.checkpoints import load_checkpoint, save_checkpoint
from ec_platform.storage.database import Database
from ec_platform.storage.eventlog import EventLog, StoredEvent
from ec_platform.tasks import Doorbell

TAKE_OVER_POLL_S = 1.0
# After an append, the relay looks again this often for this long: the event
# is committed, but a reader sees it only once every transaction that began
# before it has ended (the horizon), which on a busy server takes a few ms
# more than one look. Without it, the event waited for the idle poll.
HURRY_POLL_S = 0.01
HURRY_FOR_S = 1.0


class Relay:
    def __init__(
        self,
        *,
        name: str,
        db: Database,
        log: EventLog,
        checkpoints: Table,
        bus: Bus,
        topic: str,
        source: str,
        batch_size: int = 1000,
        idle_poll_s: float = 0.2,
        checkpoint_every_s: float = 1.0,
    ) -> None:
        self.name = name
        self.db = db
        self.log = log
        self.checkpoints = checkpoints
        self.bus = bus
        self.topic = topic
        self.source = source
        self.batch_size = batch_size
        self.idle_poll_s = idle_poll_s
        self.checkpoint_every_s = checkpoint_every_s
        self._doorbell = Doorbell()
        self._position: int | None = None
        self._saved_position = 0
        self._saved_at = 0.0
        self._hurry_until = 0.0
        self.published = 0

    def wake(self) -> None:
        """Called after a local append, so publishing need not wait for the poll."""
        self._hurry_until = time.monotonic() + HURRY_FOR_S
        self._doorbell.ring()

    async def _publish_and_pause(self) -> float:
        await self.publish_pending()
        return HURRY_POLL_S if time.monotonic() < self._hurry_until else self.idle_poll_s

    async def publish_pending(self) -> int:
        """Publishes everything past the position; returns how many events."""
        if self._position is None:
            self._position = self._saved_position = await self._start_position()
        total = 0
        while True:
            async with self.db.read() as conn:
                batch = await self.log.read_after(conn, self._position, limit=self.batch_size)
            if batch:
                await self._publish(batch)
                self._position = batch[-1].position
                total += len(batch)
                self.published += len(batch)
            if time.monotonic() - self._saved_at >= self.checkpoint_every_s:
                await self.save_checkpoint()
            if len(batch) < self.batch_size:
                return total

    async def _publish(self, batch: list[StoredEvent]) -> None:
        """Each event in a producer span continuing the trace it was appended
        in, its CloudEvent carrying that span as its `traceparent`."""
        system = "kafka" if self.bus.durable else "in-process"
        attributes = messaging_attributes(system, self.topic, "send")
        with contextlib.ExitStack() as spans:
            messages = []
            for stored in batch:
                envelope = stored.envelope(self.source)
                parent = stored.trace_context()
                if parent is not None:
                    span = tracer().start_span(
                        f"send {self.topic}",
                        context=parent_from(parent),
                        kind=SpanKind.PRODUCER,
                        attributes=attributes,
                    )
                    spans.callback(span.end)  # once the broker has the batch
                    envelope = envelope.traced(trace_context_of(span).as_headers())
                messages.append(envelope.to_binary())
            await self.bus.publish(self.topic, messages)

    async def _start_position(self) -> int:
        if not self.bus.durable:
            # What an in-process bus held died with the last process, consumed
            # or not: publish the whole log again; consumers skip what they
            # already handled (their inboxes), so nothing is lost or doubled.
            return 0
        async with self.db.read() as conn:
            return await load_checkpoint(conn, self.checkpoints, self.name)

    async def save_checkpoint(self) -> None:
        position = self._position
        if position is not None and position != self._saved_position:
            async with self.db.transaction() as conn:
                await save_checkpoint(conn, self.checkpoints, self.name, position)
            self._saved_position = position
        self._saved_at = time.monotonic()

    async def _serve(self) -> None:
        try:
            await self._doorbell.serve_paced(f"relay {self.name}", self._publish_and_pause)
        finally:
            await self.save_checkpoint()
            self._position = None  # whoever relays next starts from the checkpoint

    async def run(self) -> None:
        if self.db.is_sqlite:  # one process owns a SQLite file
            await self._serve()
            return
        key = f"relay:{self.db.physical_schema}:{self.name}"
        while True:
            async with self.db.engine.connect() as lock:
                leader = await lock.scalar(
                    text("SELECT pg_try_advisory_lock(hashtext(:key))"), {"key": key}
                )
                await lock.commit()  # the lock is the session's; no transaction stays open
                if leader:
                    try:
                        await self._serve()
                    finally:
                        await lock.execute(
                            text("SELECT pg_advisory_unlock(hashtext(:key))"), {"key": key}
                        )
            await asyncio.sleep(TAKE_OVER_POLL_S)
