"""The notifier as a plugin of the app: what it opens and runs."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import AsyncExitStack
from datetime import timedelta

import httpx
from fastapi import APIRouter
from starlette.datastructures import State

from ec_events import TopicName
from ec_notifier.channels.adapters import Channel, Channels, EmailChannel, HttpChannel, SmtpServer
from ec_notifier.channels.customer_links import WithCustomerLink
from ec_notifier.channels.outbox import OutboxEmail
from ec_notifier.channels.platforms import EscalationLinkChannel, PlatformChannel
from ec_notifier.dispatcher import Dispatcher
from ec_notifier.domain.connections import Connections, ConnectionsFileError, load_connections
from ec_notifier.domain.hosts import HostGates
from ec_notifier.domain.policy import CircuitPolicy, RetryPolicy
from ec_notifier.domain.writeback import ESCALATION_LINK, WRITEBACK_CHANNELS
from ec_notifier.gauges import report_backlog
from ec_notifier.http.api import build_router
from ec_notifier.http.context import NotifierContext
from ec_notifier.routing_file import RoutingFileError, load_routing
from ec_notifier.settings import NotifierSettings
from ec_notifier.store.claims import Claims
from ec_notifier.store.migrations import history
from ec_notifier.store.recording import Recorder
from ec_notifier.store.subscriptions import Subscriptions
from ec_notifier.store.suspensions import SubscriptionHealth
from ec_notifier.store.tables import SCHEMA, Tables, define_tables
from ec_platform.app import Runtime
from ec_platform.bus import Delivery
from ec_platform.bus.channels import BusUse, Consumer
from ec_platform.observability.tracing import send_trace_context
from ec_platform.outbound.transport import OutboundTransport
from ec_platform.storage.database import Database
from ec_platform.storage.migrations import migrate_at_start
from ec_platform.tasks import Doorbell, keep_running
from ec_platform.wiring import Wiring

GROUP = "notifier"
ESCALATIONS = Consumer(group=GROUP, topic=TopicName.ESCALATIONS)
BUS_USE = BusUse(service="notifier", consumes=(ESCALATIONS,))
log = logging.getLogger(__name__)
# The longest a customer's mail waits for its personal link.
LINK_TIMEOUT_S = 5.0


class NotifierService:
    name = "notifier"
    bus_use = BUS_USE

    def __init__(
        self,
        settings: NotifierSettings,
        *,
        escalation_transport: httpx.AsyncBaseTransport | None = None,
        escalation_token: str | None = None,
    ) -> None:
        """`escalation_transport` and `escalation_token`: how the embedded mode
        reaches the escalation service in the same process (created problem
        records are linked back through its API); by default its URL and token
        from the settings."""
        self.settings = settings
        self.escalation_transport = escalation_transport
        self.escalation_token = escalation_token

    def router(self) -> APIRouter:
        return build_router()

    def body_limits(self) -> Mapping[str, int]:
        return {}

    async def start(self, runtime: Runtime, state: State, stack: AsyncExitStack) -> None:
        settings = self.settings
        try:
            routing = load_routing(settings.notifier_routing_file, settings.outbound_policy)
            smtp = SmtpServer.parse(settings.smtp_url) if settings.smtp_url else None
            connections = load_connections(settings.connections_file)
        except (RoutingFileError, ConnectionsFileError, ValueError) as error:
            raise SystemExit(f"notifier: {error}") from None
        wiring = Wiring(runtime, stack, self.bus_use)
        db = await wiring.database(schema=SCHEMA)
        tables = define_tables()
        await migrate_at_start(db, history())
        health = SubscriptionHealth(
            db,
            tables,
            runtime.metrics,
            suspend_after=timedelta(seconds=settings.notifier_suspend_after_s),
        )
        claims = Claims(
            db,
            tables,
            RetryPolicy(
                max_attempts=settings.notifier_max_attempts,
                base_s=settings.notifier_retry_base_s,
                cap_s=settings.notifier_retry_max_s,
            ),
            lease=timedelta(seconds=settings.notifier_lease_s),
            health=health,
        )
        # Every address people give (webhooks, chat, subscriptions) and the ITSM
        # platforms: each connection checked against the outbound policy, and
        # redirects never followed (a 3xx could point anywhere).
        policy = settings.outbound_policy
        http = httpx.AsyncClient(
            timeout=settings.notifier_timeout_s,
            follow_redirects=False,
            transport=OutboundTransport(
                policy,
                limits=httpx.Limits(
                    max_connections=settings.notifier_concurrency,
                    max_keepalive_connections=settings.notifier_concurrency,
                ),
            ),
            event_hooks={"request": [send_trace_context]},
        )
        stack.push_async_callback(http.aclose)
        escalation = self._escalation_client(connections)
        stack.push_async_callback(escalation.aclose)
        platforms = PlatformChannel(http, connections, settings.notifier_escalation_url)
        email = _email_channel(settings, smtp, db, tables)
        if settings.customer_page_url:
            email = WithCustomerLink(
                email,
                escalation,
                settings.customer_page_url,
                metrics=runtime.metrics,
                timeout_s=min(settings.notifier_timeout_s, LINK_TIMEOUT_S),
                read_by_others=isinstance(email, OutboxEmail),
            )
        channels = Channels(
            email,
            HttpChannel(http, policy),
            {
                **dict.fromkeys(WRITEBACK_CHANNELS, platforms),
                ESCALATION_LINK: EscalationLinkChannel(escalation),
            },
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
            send_timeout_s=settings.notifier_timeout_s,
        )
        stack.push_async_callback(dispatcher.stop)  # after its loops are cancelled
        report_backlog(runtime.metrics, db, tables, dispatcher, runtime.clock)
        restarts = runtime.metrics.counter(
            "ec_notifier_loop_restarts",
            "The notifier's own loops run again after failing (dispatch, outcomes)",
            ("loop",),
        )
        wiring.background(
            "dispatch",
            doorbell.serve_paced(
                "notifier dispatch", dispatcher.step, restarted=restarts.labels("dispatch").inc
            ),
        )
        wiring.background(
            "outcomes",
            keep_running(
                "notifier outcomes",
                dispatcher.record_outcomes,
                restarted=restarts.labels("outcomes").inc,
            ),
        )

        recorder = Recorder(db, tables, routing, connections, console_url=settings.console_url)
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
            ESCALATIONS, handler=on_escalation_event, batch_handler=on_escalation_events
        )
        state.notifier = NotifierContext(
            db=db,
            tables=tables,
            claims=claims,
            dispatcher=dispatcher,
            subscriptions=Subscriptions(db, tables),
            doorbell=doorbell,
            clock=runtime.clock,
            max_body_bytes=settings.max_body_bytes,
            outbound=policy,
        )

    def _escalation_client(self, connections: Connections) -> httpx.AsyncClient:
        # Not under the outbound policy: its URL is the deployment's own setting
        # (127.0.0.1:8002 by default), never an address an API caller gave.
        settings = self.settings
        token = self.escalation_token or settings.escalation_token()
        if token is None and connections.by_platform:
            log.warning(
                "no token for the escalation service (EC_NOTIFIER_ESCALATION_TOKEN): problem "
                "records created from reviews cannot be linked back to their escalation"
            )
        embedded = self.escalation_transport is not None
        return httpx.AsyncClient(
            base_url="http://embedded" if embedded else settings.notifier_escalation_url,
            transport=self.escalation_transport,
            headers={"Authorization": f"Bearer {token}"} if token else {},
            timeout=settings.notifier_timeout_s,
            follow_redirects=False,
            event_hooks={"request": [send_trace_context]},
        )


def _email_channel(
    settings: NotifierSettings, smtp: SmtpServer | None, db: Database, tables: Tables
) -> Channel:
    if settings.email_outbox:
        if smtp is not None:
            log.warning(
                "EC_EMAIL_OUTBOX is on: email is kept in the outbox, not sent to EC_SMTP_URL"
            )
        else:
            log.info("no EC_SMTP_URL: email is kept in the outbox (GET /v1/outbox), not sent")
        return OutboxEmail(db, tables, settings.smtp_from)
    if smtp is None:
        log.warning(
            "EC_SMTP_URL is not set: email deliveries will fail (set it, or "
            "EC_EMAIL_OUTBOX=true to keep email in the outbox instead)"
        )
    return EmailChannel(smtp, settings.smtp_from, timeout_s=settings.notifier_timeout_s)
