"""The embedded mode: all four services (and the console) in one process, one port, SQLite files
and the in-process bus. The same service code as the distributed mode; only
the adapters differ."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from ec_console.app import EmbeddedConsole
from ec_console.settings import ConsoleSettings
from ec_escalation.service import EscalationService
from ec_escalation.settings import EscalationSettings
from ec_intake.service import IntakeService
from ec_intake.settings import IntakeSettings
from ec_monitor.service import MonitorService
from ec_monitor.settings import MonitorSettings
from ec_notifier.service import NotifierService
from ec_notifier.settings import NotifierSettings
from ec_platform.app import create_service_app, tokens_from
from ec_platform.bus import Bus
from ec_platform.clock import Clock, utc_now
from ec_platform.settings import PlatformSettings

DEFAULT_PORT = 8000
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/escalation-center.db"
DEFAULT_URL = f"http://127.0.0.1:{DEFAULT_PORT}"


def create_app(
    *,
    database_url: str | None = None,
    clock: Clock = utc_now,
    bus: Bus | None = None,
    listening_on: str = DEFAULT_URL,
) -> FastAPI:
    """`listening_on`: the address the server listens on, which the links in
    mails and notes follow unless EC_PUBLIC_URL (or each link's own setting) says
    otherwise."""
    platform = PlatformSettings()
    url = database_url or platform.database_url or DEFAULT_DATABASE_URL
    # The embedded mode always uses the in-process bus, whatever the environment says.
    overrides = {"database_url": url, "kafka_bootstrap_servers": None}
    intake = IntakeSettings().model_copy(update=overrides)
    escalation = EscalationSettings().model_copy(update=overrides)
    notifier = NotifierSettings().model_copy(update=overrides)
    if notifier.email_outbox is None:
        # No mail server to try it with: email goes to the outbox (GET /v1/outbox).
        notifier = notifier.model_copy(update={"email_outbox": not notifier.smtp_url})
    # Everything is served on this one address: the console and the customers'
    # pages are under it.
    notifier = notifier.served_at(listening_on)
    monitor = MonitorSettings().model_copy(update=overrides)
    console = EmbeddedConsole(ConsoleSettings())
    # The notifier links the problem records it creates through the escalation
    # service's API, in this same process, as an operator of its own.
    tokens, notifier_token = tokens_from(platform, generate_if_missing=True).with_service(
        "operator", "notifier"
    )
    host = _LateApp()
    app = create_service_app(
        title="embedded",
        settings=platform.model_copy(update=overrides),
        tokens=tokens,
        plugins=[
            IntakeService(intake),
            EscalationService(escalation),
            NotifierService(
                notifier,
                escalation_transport=httpx.ASGITransport(app=host),
                escalation_token=notifier_token,
            ),
            MonitorService(monitor),
            console.plugin,
        ],
        clock=clock,
        bus=bus,
    )
    # The console at /console/, calling this same app's APIs with each user's token.
    console.mount_on(app)
    host.app = app
    return app


class _LateApp:
    """An ASGI app known only once it is built (a client inside it needs it first)."""

    def __init__(self) -> None:
        self.app: FastAPI | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.app is None:
            raise RuntimeError("the embedded app is not built yet")
        await self.app(scope, receive, send)
