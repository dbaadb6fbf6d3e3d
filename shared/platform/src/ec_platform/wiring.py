"""What a service opens when the app starts, each piece closed with the app in
reverse order: its database (watched by /healthz), the relay publishing its
event log, its background loops and its consumers. A service's `start` says
only what is its own."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from contextlib import AsyncExitStack

from sqlalchemy import Table

from ec_platform.app import Runtime, open_database
from ec_platform.bus.base import BatchHandler, Handler
from ec_platform.database import Database
from ec_platform.eventlog import EventLog
from ec_platform.relay import Relay
from ec_platform.tasks import BackgroundTasks


class Wiring:
    def __init__(self, runtime: Runtime, stack: AsyncExitStack) -> None:
        self.runtime = runtime
        self.stack = stack
        self._tasks: BackgroundTasks | None = None

    async def database(self, *, schema: str) -> Database:
        return await open_database(self.runtime, self.stack, schema=schema)

    def background(self, name: str, loop: Awaitable[None]) -> None:
        """A loop that runs until the app stops (cancelled before the
        database closes, after the consumers stop)."""
        if self._tasks is None:
            self._tasks = BackgroundTasks()
            self.stack.push_async_callback(self._tasks.stop)
        self._tasks.start(name, loop)

    def relay(
        self,
        *,
        name: str,
        db: Database,
        log: EventLog,
        checkpoints: Table,
        topic: str,
        source: str,
    ) -> Relay:
        """Publishes `log` to `topic` from now on; call `wake()` after an append."""
        relay = Relay(
            name=name,
            db=db,
            log=log,
            checkpoints=checkpoints,
            bus=self.runtime.bus,
            topic=topic,
            source=source,
        )
        self.background(f"relay {name}", relay.run())
        return relay

    async def consume(
        self,
        *,
        group: str,
        topics: Sequence[str],
        handler: Handler,
        batch_handler: BatchHandler | None = None,
    ) -> None:
        """Handles what arrives on `topics`; stops first when the app stops."""
        consumer = self.runtime.bus.subscribe(
            group=group, topics=topics, handler=handler, batch_handler=batch_handler
        )
        await consumer.start()
        self.stack.push_async_callback(consumer.stop)
