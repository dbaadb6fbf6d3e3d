"""The notifier alone in the test's event loop, fed escalation events through
the in-process bus, with settings made for quick tests; and event builders."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from ec_events import Envelope
from ec_events import escalations as esc
from ec_events.base import Contact, Customer, Event, Person, TeamMember
from ec_notifier.service import NotifierService
from ec_notifier.settings import NotifierSettings
from ec_platform.app import create_service_app
from ec_platform.bus import InMemoryBus, open_bus
from ec_platform.http.auth import TokenRegistry
from ec_platform.settings import PlatformSettings
from harness.apps import serving
from harness.factories import API_TOKENS, bearer
from harness.waiting import GENEROUS_WAIT, eventually

QUICK = {
    # The tests' receivers listen on 127.0.0.1, which the outbound policy
    # refuses unless allowed.
    "outbound_allowed_networks": "127.0.0.0/8",
    "notifier_retry_base_s": 0.05,
    "notifier_retry_max_s": 0.2,
    "notifier_circuit_base_s": 0.2,
    "notifier_circuit_max_s": 0.5,
    "notifier_poll_s": 0.05,
    "notifier_timeout_s": 1.0,
    "notifier_lease_s": 4.0,
}
QUICK_ENV = {f"EC_{name.upper()}": str(value) for name, value in QUICK.items()}
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
MANAGER = Person(id="u-117", name="Dana Okafor", email="dana@provider.example")
MEMBER = TeamMember(
    id="u-201", name="Lee Park", email="lee@provider.example", role="incident owner"
)
PROVIDER = Contact(name="Sam Patel", email="sam@provider.example")
CUSTOMER = Contact(name="Jo Meyer", email="jo@customer.example")


@dataclass
class Notifier:
    client: httpx.AsyncClient
    bus: InMemoryBus
    topic: str

    async def publish(self, *events: Event) -> list[str]:
        envelopes = [Envelope.wrap(e, id=uuid.uuid4(), source="/escalation") for e in events]
        await self.bus.publish(self.topic, [e.to_binary() for e in envelopes])
        return [e.id for e in envelopes]

    async def deliveries(self, **filters: Any) -> list[dict[str, Any]]:
        return await all_deliveries(self.client, **filters)

    async def settled(self, count: int, *, timeout: float = GENEROUS_WAIT) -> list[dict[str, Any]]:
        """The deliveries once `count` of them are delivered or failed."""

        async def done() -> list[dict[str, Any]] | None:
            items = await self.deliveries()
            finished = [d for d in items if d["status"] in ("delivered", "failed")]
            return items if len(finished) >= count else None

        return await eventually(done, timeout=timeout, interval=0.05)

    async def subscribe(self, url: str, event_types: Sequence[str] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"url": url}
        if event_types is not None:
            body["event_types"] = list(event_types)
        answer = await self.client.post("/v1/subscriptions", json=body, headers=bearer("admin"))
        assert answer.status_code == 201, answer.text
        created: dict[str, Any] = answer.json()
        return created


async def all_deliveries(client: httpx.AsyncClient, **filters: Any) -> list[dict[str, Any]]:
    """Every page of a notifier's delivery log."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {**filters, "limit": 500, **({"cursor": cursor} if cursor else {})}
        page = await client.get("/v1/deliveries", params=params, headers=bearer("auditor"))
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        cursor = page.json()["next"]
        if cursor is None:
            return items


async def publish_to_kafka(kafka: str, prefix: str, events: Sequence[Event]) -> None:
    """Escalation events on the real topic, as the escalation service publishes them."""
    settings = PlatformSettings(kafka_bootstrap_servers=kafka, topic_prefix=prefix)
    async with open_bus(settings, client_id="notifier-test") as bus:
        messages = [
            Envelope.wrap(e, id=uuid.uuid4(), source="/escalation").to_binary() for e in events
        ]
        await bus.publish(settings.topics.escalations, messages)


@asynccontextmanager
async def running_notifier(database_url: str, **settings: Any) -> AsyncIterator[Notifier]:
    values = {**QUICK, "database_url": database_url, "kafka_bootstrap_servers": None, **settings}
    notifier = NotifierSettings(**values)
    bus = InMemoryBus()
    app = create_service_app(
        title="notifier",
        settings=notifier,
        tokens=TokenRegistry.parse(API_TOKENS),
        plugins=[NotifierService(notifier)],
        bus=bus,
    )
    async with serving(app) as client:
        yield Notifier(client, bus, notifier.topics.escalations)


@dataclass
class Story:
    """One escalation's events, as the escalation service would publish them."""

    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def started(self, **overrides: Any) -> esc.EscalationStarted:
        fields: dict[str, Any] = {
            "escalation_id": self.id,
            "trigger": "automatic",
            "reason": "escalation criteria met: p1",
            "title": "Payment gateway returns 502 for all EU merchants",
            "priority": "P1",
            "customer": Customer(id="cust-042", name="Northwind", tier="gold"),
            "service": "payments-eu",
            "criteria": ("p1",),
            "started_at": NOW,
        }
        return esc.EscalationStarted(**{**fields, **overrides})

    def manager(self, person: Person = MANAGER) -> esc.EscalationManagerAssigned:
        return esc.EscalationManagerAssigned(escalation_id=self.id, manager=person)

    def team(self, *members: TeamMember) -> esc.EscalationTeamAssigned:
        return esc.EscalationTeamAssigned(escalation_id=self.id, members=members or (MEMBER,))

    def contacts(
        self, provider: Sequence[Contact] = (PROVIDER,), customer: Sequence[Contact] = (CUSTOMER,)
    ) -> esc.CommunicationContactsSet:
        return esc.CommunicationContactsSet(
            escalation_id=self.id, provider=tuple(provider), customer=tuple(customer)
        )

    def progress(self, note: str = "3 of 5 gateways restored") -> esc.ProgressReported:
        return esc.ProgressReported(
            escalation_id=self.id, note=note, next_update_due=NOW + timedelta(hours=1)
        )

    def raised(self, to_level: int = 2) -> esc.EscalationLevelRaised:
        return esc.EscalationLevelRaised(
            escalation_id=self.id, from_level=to_level - 1, to_level=to_level, reason="no progress"
        )

    def linked(self) -> esc.RecordLinked:
        return esc.RecordLinked(escalation_id=self.id, kind="problem", ref="PRB1")

    def closed(self) -> esc.EscalationClosed:
        agreement = esc.CustomerAgreement(by="Jo Meyer", note="payments flow again")
        return esc.EscalationClosed(escalation_id=self.id, customer_agreement=agreement)

    def reviewed(self, *inputs: esc.ProblemManagementInput) -> esc.EscalationReviewed:
        return esc.EscalationReviewed(
            escalation_id=self.id,
            findings="a certificate expired on the EU gateways",
            problem_management_inputs=inputs,
        )
