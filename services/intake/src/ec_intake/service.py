"""The intake service as a plugin of the app: what it opens and runs."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AsyncExitStack

from fastapi import APIRouter
from starlette.datastructures import State

from ec_events import TopicName
from ec_intake.api import build_router
from ec_intake.context import IntakeContext
from ec_intake.settings import IntakeSettings
from ec_intake.sources import load_sources
from ec_intake.store import IncidentStore, Recorder
from ec_intake.tables import SCHEMA, define_tables
from ec_platform.app import Runtime
from ec_platform.bus.channels import BusUse
from ec_platform.tasks import keep_running
from ec_platform.wiring import Wiring

SOURCE = "/escalation-center/intake"
BUS_USE = BusUse(service="intake", publishes=(TopicName.INCIDENTS,))


class IntakeService:
    name = "intake"
    bus_use = BUS_USE

    def __init__(self, settings: IntakeSettings) -> None:
        self.settings = settings

    def router(self) -> APIRouter:
        return build_router()

    def body_limits(self) -> Mapping[str, int]:
        # Incident reports and platforms' webhooks run larger than commands.
        limit = self.settings.intake_max_body_bytes
        return {"/v1/incidents": limit, "/v1/webhooks/": limit}

    async def start(self, runtime: Runtime, state: State, stack: AsyncExitStack) -> None:
        secrets = self.settings.webhook_secrets
        sources = load_sources(  # fails fast on a bad file
            self.settings.intake_sources_file, secrets.get_secret_value() if secrets else None
        )
        wiring = Wiring(runtime, stack, self.bus_use)
        db = await wiring.database(schema=SCHEMA)
        tables = define_tables()
        store = IncidentStore(db, tables)
        await store.create()
        relay = wiring.relay(
            name="incidents-topic",
            db=db,
            log=store.log,
            checkpoints=tables.checkpoints,
            topic=TopicName.INCIDENTS,
            source=SOURCE,
        )
        recorder = Recorder(store, runtime.clock)
        wiring.background("intake recorder", keep_running("intake recorder", recorder.run))
        state.intake = IntakeContext(
            settings=self.settings,
            store=store,
            recorder=recorder,
            relay=relay,
            clock=runtime.clock,
            sources=sources,
            rejected=runtime.metrics.counter(
                "ec_intake_rejected",
                "Incident reports refused, by source and problem type",
                ("source", "problem"),
            ),
            ignored=runtime.metrics.counter(
                "ec_intake_ignored",
                "Authentic webhook deliveries that hold no incident, acknowledged and ignored",
                ("source", "reason"),
            ),
            unresolved=runtime.metrics.counter(
                "ec_intake_customer_unresolved",
                "Incidents received without a customer the intake could resolve",
                ("source",),
            ),
            stale=runtime.metrics.counter(
                "ec_intake_stale_deliveries",
                "Reports acknowledged and ignored as stale: a replay of an event already "
                "taken (duplicate), or older than what is known of the incident (older)",
                ("source", "reason"),
            ),
        )
