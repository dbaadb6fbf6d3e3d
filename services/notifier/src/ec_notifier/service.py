"""The notifier as a plugin of the app: what it opens and runs."""

from __future__ import annotations

from contextlib import AsyncExitStack

from fastapi import APIRouter
from starlette.datastructures import State

from ec_notifier.api import NotifierContext, build_router
from ec_notifier.deliveries import DeliveryLog
from ec_notifier.settings import NotifierSettings
from ec_notifier.tables import SCHEMA, define_tables
from ec_platform.app import Runtime, open_database
from ec_platform.bus import Delivery
from ec_platform.tasks import BackgroundTasks, Doorbell

GROUP = "notifier"
IDLE_POLL_S = 0.5


class NotifierService:
    name = "notifier"

    def __init__(self, settings: NotifierSettings) -> None:
        self.settings = settings

    def router(self) -> APIRouter:
        return build_router()

    async def start(self, runtime: Runtime, state: State, stack: AsyncExitStack) -> None:
        db = await open_database(runtime, stack, schema=SCHEMA)
        tables = define_tables()
        await db.create(tables.metadata)
        deliveries = DeliveryLog(db, tables, runtime.clock)
        due = Doorbell()
        tasks = BackgroundTasks()
        stack.push_async_callback(tasks.stop)
        tasks.start(
            "dispatch", due.serve("notifier dispatch", deliveries.send_due, idle_s=IDLE_POLL_S)
        )

        async def on_escalation_event(delivery: Delivery) -> None:
            envelope, event = delivery.decode()
            if await deliveries.record(envelope, event):
                due.ring()

        consumer = runtime.bus.subscribe(
            group=GROUP, topics=[self.settings.topics.escalations], handler=on_escalation_event
        )
        await consumer.start()
        stack.push_async_callback(consumer.stop)
        state.notifier = NotifierContext(deliveries=deliveries)
