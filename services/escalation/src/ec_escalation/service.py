"""The escalation service as a plugin of the app: what it opens and runs."""

from __future__ import annotations

import time
from collections.abc import Mapping
from contextlib import AsyncExitStack
from datetime import timedelta

from fastapi import APIRouter
from starlette.datastructures import State

from ec_escalation.domain import monitor_policy
from ec_escalation.domain.criteria import load_rules
from ec_escalation.domain.errors import NotFound
from ec_escalation.http.context import CustomerPages
from ec_escalation.http.router import EscalationContext, build_router
from ec_escalation.process_metrics import OpenEscalations, ProcessMetrics
from ec_escalation.settings import EscalationSettings
from ec_escalation.store.event_store import EscalationStore
from ec_escalation.store.tables import SCHEMA, define_tables
from ec_escalation.use_cases.escalations import Cause, Escalations
from ec_escalation.use_cases.incidents import IncidentPolicy
from ec_events import TopicName
from ec_platform.app import Runtime
from ec_platform.bus import Delivery, PoisonMessage
from ec_platform.bus.channels import BusUse, Consumer
from ec_platform.http.throttle import Pacing
from ec_platform.storage.database import Database
from ec_platform.wiring import Wiring

SOURCE = "/escalation-center/escalation"
GROUP = "escalation"
# A group per topic: a rebalance of one never pauses the other.
INCIDENTS = Consumer(group=f"{GROUP}.incidents", topic=TopicName.INCIDENTS)
MONITOR = Consumer(group=f"{GROUP}.monitor", topic=TopicName.MONITOR)
BUS_USE = BusUse(
    service="escalation", publishes=(TopicName.ESCALATIONS,), consumes=(INCIDENTS, MONITOR)
)


async def open_store(db: Database) -> EscalationStore:
    store = EscalationStore(db, define_tables())
    await store.create()
    return store


class EscalationService:
    name = "escalation"
    bus_use = BUS_USE

    def __init__(self, settings: EscalationSettings) -> None:
        self.settings = settings

    def router(self) -> APIRouter:
        return build_router()

    def body_limits(self) -> Mapping[str, int]:
        return {}

    async def start(self, runtime: Runtime, state: State, stack: AsyncExitStack) -> None:
        rules = load_rules(self.settings.criteria_file)  # fails fast on a bad file
        wiring = Wiring(runtime, stack, self.bus_use)
        db = await wiring.database(schema=SCHEMA)
        store = await open_store(db)
        relay = wiring.relay(
            name="escalations-topic",
            db=db,
            log=store.log,
            checkpoints=store.tables.checkpoints,
            topic=TopicName.ESCALATIONS,
            source=SOURCE,
        )
        process = ProcessMetrics(runtime.metrics)
        escalations = Escalations(store, runtime.clock, relay.wake, observe=process.observe)
        runtime.metrics.before_scrape(
            OpenEscalations(runtime.metrics, db, store.tables, runtime.clock).refresh
        )
        incidents = IncidentPolicy(escalations, rules, runtime.clock)

        async def on_incidents(deliveries: list[Delivery]) -> None:
            # What one poll returned, in one transaction; a poison message makes
            # the bus fall back to one at a time, which dead-letters just it.
            await incidents.handle_all([delivery.decode() for delivery in deliveries])

        async def on_incident(delivery: Delivery) -> None:
            await on_incidents([delivery])

        async def on_monitor(delivery: Delivery) -> None:
            envelope, event = delivery.decode()
            chosen = monitor_policy.command_for(event)
            if chosen is None:
                return
            escalation_id, command = chosen
            try:
                await escalations.execute_once(
                    escalation_id,
                    command,
                    cause=Cause(envelope, monitor_policy.CONSUMER),
                    actor=monitor_policy.MONITOR_ACTOR,
                )
            except NotFound as error:
                raise PoisonMessage(str(error)) from None

        await wiring.consume(INCIDENTS, handler=on_incident, batch_handler=on_incidents)
        await wiring.consume(MONITOR, handler=on_monitor)
        refusals = runtime.metrics.counter(
            "ec_customer_link_refusals_total",
            "Customer links refused: unknown, expired, revoked or tampered (one count for all)",
        )
        customers = CustomerPages(
            lifetime_after_end=timedelta(days=self.settings.customer_link_days_after_end),
            show_names=self.settings.customer_page_show_names,
            refused=refusals.inc,
            admit=Pacing.per_minute(
                self.settings.customer_requests_per_minute, time.monotonic
            ).admit,
        )
        state.escalation = EscalationContext(
            escalations=escalations,
            rules=rules,
            customers=customers,
            outbound=self.settings.outbound_policy,
        )
