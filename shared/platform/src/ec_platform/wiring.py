"""What a service opens when the app starts, each piece closed with the app in
reverse order: its database (watched by /healthz), the relay publishing its
event log, its background loops and its consumers. A service's `start` says
only what is its own, and opens only the topics its `BusUse` declares (what
the event catalogue shows)."""

from __future__ import annotations

from collections.abc import Awaitable
from contextlib import AsyncExitStack

from sqlalchemy import Table

from ec_events import TopicName
from ec_platform.app import Runtime, open_database
from ec_platform.bus.base import BatchHandler, Handler
from ec_platform.bus.channels import BusUse, Consumer
from ec_platform.bus.relay import Relay
from ec_platform.storage.database import Database
from ec_platform.storage.eventlog import EventLog
from ec_platform.tasks import BackgroundTasks


class Wiring:
    def __init__(self, runtime: Runtime, stack: AsyncExitStack, uses: BusUse) -> None:
        self.runtime = runtime
        self.stack = stack
        self.uses = uses
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
        topic: TopicName,
        source: str,
    ) -> Relay:
        """Publishes `log` to `topic` from now on; call `wake()` after an append."""
        self.uses.check_publishes(topic)
        relay = Relay(
            name=name,
            db=db,
            log=log,
            checkpoints=checkpoints,
            bus=self.runtime.bus,
            topic=self.runtime.settings.topics.name(topic),
            source=source,
        )
        self.background(f"relay {name}", relay.run())
        return relay

    async def consume(
        self,
        consumer: Consumer,
        *,
        handler: Handler,
        batch_handler: BatchHandler | None = None,
    ) -> None:
        """Handles what arrives on the consumer's topic; stops first when the app stops."""
        self.uses.check_consumes(consumer)
        subscription = self.runtime.bus.subscribe(
            group=consumer.group,
            topics=[self.runtime.settings.topics.name(consumer.topic)],
            handler=handler,
            batch_handler=batch_handler,
        )
        await subscription.start()
        self.stack.push_async_callback(subscription.stop)
