"""The notifier as a plugin of the app: what it opens and runs."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AsyncExitStack
from datetime import timedelta

import httpx
from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from starlette.datastructures import State

from ec_notifier.api import build_router
from ec_notifier.channels import Channels, EmailChannel, HttpChannel, SmtpServer
from ec_notifier.claims import Claims
from ec_notifier.context import NotifierContext
from ec_notifier.dispatcher import Dispatcher
from ec_notifier.hosts import HostGates
from ec_notifier.policy import CircuitPolicy, RetryPolicy
from ec_notifier.recording import Recorder
from ec_notifier.routing_file import RoutingFileError, load_routing
from ec_notifier.settings import NotifierSettings
from ec_notifier.subscriptions import Subscriptions
from ec_notifier.tables import SCHEMA, Tables, define_tables
from ec_platform.app import Runtime
from ec_platform.bus import Delivery
from ec_platform.database import Database
from ec_platform.tasks import Doorbell, keep_running
from ec_platform.wiring import Wiring

GROUP = "notifier"


class NotifierService:
    name = "notifier"

    def __init__(self, settings: NotifierSettings) -> None:
        self.settings = settings

    def router(self) -> APIRouter:
        return build_router()

    def body_limits(self) -> Mapping[str, int]:
        return {}

    async def start(self, runtime: Runtime, state: State, stack: AsyncExitStack) -> None:
        settings = self.settings
        try:
            routing = load_routing(settings.notifier_routing_file)
            smtp = SmtpServer.parse(settings.smtp_url) if settings.smtp_url else None
        except (RoutingFileError, ValueError) as error:
            raise SystemExit(f"notifier: {error}") from None
        wiring = Wiring(runtime, stack)
        db = await wiring.database(schema=SCHEMA)
        tables = define_tables()
        await db.create(tables.metadata)
        await _check_current(db, tables)
        claims = Claims(
            db,
            tables,
            RetryPolicy(
                max_attempts=settings.notifier_max_attempts,
                base_s=settings.notifier_retry_base_s,
                cap_s=settings.notifier_retry_max_s,
            ),
            lease=timedelta(seconds=settings.notifier_lease_s),
        )
        http = httpx.AsyncClient(
            timeout=settings.notifier_timeout_s,
            follow_redirects=False,
            limits=httpx.Limits(
                max_connections=settings.notifier_concurrency,
                max_keepalive_connections=settings.notifier_concurrency,
            ),
        )
        stack.push_async_callback(http.aclose)
        channels = Channels(
            EmailChannel(smtp, settings.smtp_from, timeout_s=settings.notifier_timeout_s),
            HttpChannel(http),
        )
        doorbell = Doorbell()
        dispatcher = Dispatcher(
            claims=claims,
            send=channels.send,
            gates=HostGates(
                CircuitPolicy(
                    threshold=settings.notifier_circuit_failures,
                    base_s=settings.notifier_circuit_base_s,
                    cap_s=settings.notifier_circuit_max_s,
                ),
                per_host=settings.notifier_host_concurrency,
            ),
            doorbell=doorbell,
            clock=runtime.clock,
            metrics=runtime.metrics,
            concurrency=settings.notifier_concurrency,
            poll_s=settings.notifier_poll_s,
        )
        stack.push_async_callback(dispatcher.stop)  # after its loops are cancelled
        wiring.background("dispatch", doorbell.serve_paced("notifier dispatch", dispatcher.step))
        wiring.background("outcomes", keep_running("notifier outcomes", dispatcher.record_outcomes))

        recorder = Recorder(db, tables, routing)
        recorded = runtime.metrics.counter(
            "ec_notifier_deliveries_recorded", "Deliveries recorded from escalation events"
        )

        async def on_escalation_events(deliveries: list[Delivery]) -> None:
            # One transaction for what arrived together; a poison message makes
            # the bus fall back to one at a time, which dead-letters just it.
            count = await recorder.record_all(
                [delivery.decode() for delivery in deliveries], now=runtime.clock()
            )
            if count:
                recorded.inc(count)
                doorbell.ring()

        async def on_escalation_event(delivery: Delivery) -> None:
            await on_escalation_events([delivery])

        await wiring.consume(
            group=GROUP,
            topics=[settings.topics.escalations],
            handler=on_escalation_event,
            batch_handler=on_escalation_events,
        )
        state.notifier = NotifierContext(
            db=db,
            tables=tables,
            claims=claims,
            subscriptions=Subscriptions(db, tables),
            doorbell=doorbell,
            clock=runtime.clock,
            max_body_bytes=settings.max_body_bytes,
        )


async def _check_current(db: Database, tables: Tables) -> None:
    """create_all leaves an existing table as it is: one made by the first
    skeleton lacks today's columns, and would fail at the first event."""
    try:
        async with db.read() as conn:
            await conn.execute(select(tables.deliveries).limit(0))
    except DBAPIError as error:
        raise SystemExit(
            "notifier: the deliveries table predates this version; drop the notifier "
            f"schema (or its SQLite file) once and start again ({type(error).__name__})"
        ) from None
