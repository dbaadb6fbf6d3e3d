"""Publishes an event log to a topic: the log is the outbox.

Appending and publishing cannot be one transaction, so the relay tails the
log by position, publishes what lies past its checkpoint, then moves the
checkpoint (kept in the same database). A crash between the two re-publishes
the same events with the same CloudEvent ids; nothing is ever skipped."""

from __future__ import annotations

from sqlalchemy import Table

from ec_platform.bus.base import Bus
from ec_platform.checkpoints import load_checkpoint, save_checkpoint
from ec_platform.database import Database
from ec_platform.eventlog import EventLog
from ec_platform.tasks import Doorbell


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
        batch_size: int = 500,
        idle_poll_s: float = 0.2,
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
        self._doorbell = Doorbell()
        self.published = 0

    def wake(self) -> None:
        """Called after a local append, so publishing need not wait for the poll."""
        self._doorbell.ring()

    async def publish_pending(self) -> int:
        """Publishes everything past the checkpoint; returns how many events."""
        total = 0
        while True:
            async with self.db.read() as conn:
                after = await load_checkpoint(conn, self.checkpoints, self.name)
                batch = await self.log.read_after(conn, after, limit=self.batch_size)
            if not batch:
                return total
            await self.bus.publish(
                self.topic, [stored.envelope(self.source).to_binary() for stored in batch]
            )
            async with self.db.transaction() as conn:
                await save_checkpoint(conn, self.checkpoints, self.name, batch[-1].position)
            total += len(batch)
            self.published += len(batch)

    async def run(self) -> None:
        await self._doorbell.serve(
            f"relay {self.name}", self.publish_pending, idle_s=self.idle_poll_s
        )
