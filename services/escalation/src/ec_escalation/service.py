"""The escalation service as a plugin of the app: what it opens and runs."""

from __future__ import annotations

from contextlib import AsyncExitStack

from fastapi import APIRouter
from starlette.datastructures import State

from ec_escalation.api import EscalationContext, build_router
from ec_escalation.criteria import default_rules
from ec_escalation.handlers import handle_incident_event
from ec_escalation.settings import EscalationSettings
from ec_escalation.store import EscalationStore
from ec_escalation.tables import SCHEMA, define_tables
from ec_platform.app import Runtime, open_database
from ec_platform.bus import Delivery
from ec_platform.relay import Relay
from ec_platform.tasks import BackgroundTasks

SOURCE = "/escalation-center/escalation"
GROUP = "escalation"


class EscalationService:
    name = "escalation"

    def __init__(self, settings: EscalationSettings) -> None:
        self.settings = settings

    def router(self) -> APIRouter:
        return build_router()

    async def start(self, runtime: Runtime, state: State, stack: AsyncExitStack) -> None:
        db = await open_database(runtime, stack, schema=SCHEMA)
        tables = define_tables()
        store = EscalationStore(db, tables)
        await store.create()
        rules = default_rules()
        relay = Relay(
            name="escalations-topic",
            db=db,
            log=store.log,
            checkpoints=tables.checkpoints,
            bus=runtime.bus,
            topic=self.settings.topics.escalations,
            source=SOURCE,
        )
        tasks = BackgroundTasks()
        stack.push_async_callback(tasks.stop)
        tasks.start("escalation relay", relay.run())

        async def on_incident(delivery: Delivery) -> None:
            envelope, event = delivery.decode()
            outcome = await handle_incident_event(
                envelope, event, store=store, rules=rules, clock=runtime.clock
            )
            if outcome.started:
                relay.wake()

        consumer = runtime.bus.subscribe(
            group=GROUP, topics=[self.settings.topics.incidents], handler=on_incident
        )
        await consumer.start()
        stack.push_async_callback(consumer.stop)
        state.escalation = EscalationContext(
            store=store, rules=rules, relay=relay, clock=runtime.clock
        )
