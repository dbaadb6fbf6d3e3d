"""The monitor as a plugin of the app: what it opens and runs."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AsyncExitStack

from fastapi import APIRouter
from prometheus_client import Histogram
from starlette.datastructures import State

from ec_events import TopicName
from ec_monitor.api import build_router
from ec_monitor.context import MonitorContext
from ec_monitor.policy import RaisePolicy
from ec_monitor.settings import MonitorSettings
from ec_monitor.tables import SCHEMA, define_tables
from ec_monitor.timers import FIRE_BATCH, TimerBook
from ec_platform.app import Runtime
from ec_platform.bus import Delivery
from ec_platform.bus.channels import BusUse, Consumer
from ec_platform.tasks import Doorbell
from ec_platform.wiring import Wiring

GROUP = "monitor"
ESCALATIONS = Consumer(group=GROUP, topic=TopicName.ESCALATIONS)
BUS_USE = BusUse(service="monitor", publishes=(TopicName.MONITOR,), consumes=(ESCALATIONS,))
SOURCE = "/escalation-center/monitor"
# The longest the firing loop sleeps: timers set by another replica are
# noticed at least this often.
MAX_PAUSE_S = 0.5


class MonitorService:
    name = "monitor"
    bus_use = BUS_USE

    def __init__(self, settings: MonitorSettings) -> None:
        self.settings = settings

    def router(self) -> APIRouter:
        return build_router()

    def body_limits(self) -> Mapping[str, int]:
        return {}

    async def start(self, runtime: Runtime, state: State, stack: AsyncExitStack) -> None:
        wiring = Wiring(runtime, stack, self.bus_use)
        db = await wiring.database(schema=SCHEMA)
        tables = define_tables()
        book = TimerBook(db, tables, RaisePolicy(self.settings.raise_after), runtime.clock)
        await book.create()
        relay = wiring.relay(
            name="monitor-topic",
            db=db,
            log=book.outbox,
            checkpoints=tables.checkpoints,
            topic=TopicName.MONITOR,
            source=SOURCE,
        )
        lateness = Histogram(
            "ec_monitor_timer_lateness_seconds",
            "How long after its due time a timer fired",
            ("kind",),
            registry=runtime.metrics.registry,
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 30, 300),
        )
        timers_set = Doorbell()

        async def fire() -> float:
            fired = await book.fire_due()
            for timer, at in fired:
                lateness.labels(timer.kind).observe(max((at - timer.due_at).total_seconds(), 0))
            if fired:
                relay.wake()
            if len(fired) == FIRE_BATCH:
                return 0.0  # more may be due right now
            next_due = await book.next_due()
            if next_due is None:
                return MAX_PAUSE_S
            return min(max((next_due - runtime.clock()).total_seconds(), 0.0), MAX_PAUSE_S)

        wiring.background("timer firing", timers_set.serve_paced("timer firing", fire))

        async def on_escalation_event(delivery: Delivery) -> None:
            envelope, event = delivery.decode()
            if await book.observe(envelope, event):
                timers_set.ring()

        await wiring.consume(ESCALATIONS, handler=on_escalation_event)
        state.monitor = MonitorContext(timers=book)
