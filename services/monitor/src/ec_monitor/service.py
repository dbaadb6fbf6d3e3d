"""The monitor as a plugin of the app: what it opens and runs."""

from __future__ import annotations

from contextlib import AsyncExitStack

from fastapi import APIRouter
from starlette.datastructures import State

from ec_monitor.api import MonitorContext, build_router
from ec_monitor.policy import RaisePolicy
from ec_monitor.settings import MonitorSettings
from ec_monitor.tables import SCHEMA, define_tables
from ec_monitor.timers import TimerBook
from ec_platform.app import Runtime, open_database
from ec_platform.bus import Delivery

GROUP = "monitor"


class MonitorService:
    name = "monitor"

    def __init__(self, settings: MonitorSettings) -> None:
        self.settings = settings

    def router(self) -> APIRouter:
        return build_router()

    async def start(self, runtime: Runtime, state: State, stack: AsyncExitStack) -> None:
        db = await open_database(runtime, stack, schema=SCHEMA)
        tables = define_tables()
        await db.create(tables.metadata)
        book = TimerBook(db, tables, RaisePolicy(self.settings.raise_after), runtime.clock)

        async def on_escalation_event(delivery: Delivery) -> None:
            envelope, event = delivery.decode()
            await book.observe(envelope, event)

        consumer = runtime.bus.subscribe(
            group=GROUP, topics=[self.settings.topics.escalations], handler=on_escalation_event
        )
        await consumer.start()
        stack.push_async_callback(consumer.stop)
        state.monitor = MonitorContext(timers=book)
