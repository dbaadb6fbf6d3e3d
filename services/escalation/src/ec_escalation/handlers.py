"""Use cases: load the escalation, decide, append. Dependencies are parameters."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select

from ec_escalation.criteria import RuleSet
from ec_escalation.domain import Escalation, StartEscalation, decide
from ec_escalation.store import EscalationStore
from ec_events import Envelope
from ec_events.base import Event
from ec_events.incidents import IncidentReported, IncidentUpdated
from ec_platform.clock import Clock
from ec_platform.eventlog import NewEvent
from ec_platform.inbox import first_delivery
from ec_platform.retry import retry_on_conflict

SERVICE_ACTOR = ("service", "escalation")
# Fixed forever: an automatic escalation's id derives from the incident event
# that started it, so a re-delivered event can only ever start the same one.
ESCALATION_NAMESPACE = uuid.UUID("0b7e0b84-8a53-4a8e-9d0f-3c9d8f1f6a10")
INCIDENTS_CONSUMER = "incidents"


@dataclass(frozen=True)
class Outcome:
    escalation_id: UUID | None
    started: bool


def _new_events(
    events: Sequence[Event], *, actor: tuple[str, str], envelope: Envelope | None
) -> list[NewEvent]:
    return [
        NewEvent.of(
            event,
            event_id=uuid.uuid4(),
            actor=actor,
            correlation_id=(envelope.correlation_id or envelope.id) if envelope else None,
            causation_id=envelope.id if envelope else None,
        )
        for event in events
    ]


async def handle_incident_event(
    envelope: Envelope, event: Event, *, store: EscalationStore, rules: RuleSet, clock: Clock
) -> Outcome:
    """An incident report may start an escalation: once per incident while one is open."""
    if not isinstance(event, IncidentReported | IncidentUpdated):
        return Outcome(None, started=False)
    fired = rules.fired_by(event)

    async def attempt() -> Outcome:
        async with store.db.transaction() as conn:
            first = await first_delivery(
                conn, store.tables.inbox, consumer=INCIDENTS_CONSUMER, message_id=envelope.id
            )
            if not first:
                return Outcome(None, started=False)
            links = store.tables.incident_links
            open_id = await conn.scalar(
                select(links.c.escalation_id).where(
                    links.c.incident_id == event.incident_id, links.c.open
                )
            )
            if open_id is not None or not fired:
                return Outcome(open_id, started=False)
            escalation_id = uuid.uuid5(ESCALATION_NAMESPACE, envelope.id)
            now = clock()
            command = StartEscalation(
                escalation_id=escalation_id,
                trigger="automatic",
                reason="escalation criteria met: " + ", ".join(fired),
                title=event.title,
                started_at=now,
                incident_ids=(event.incident_id,),
                priority=event.priority,
                customer=event.customer,
                service=event.service,
                criteria=fired,
                criteria_version=rules.version,
            )
            events = decide(None, command)
            await store.append(
                conn,
                None,
                escalation_id,
                events,
                _new_events(events, actor=SERVICE_ACTOR, envelope=envelope),
                recorded_at=now,
            )
            return Outcome(escalation_id, started=True)

    return await retry_on_conflict(attempt)


async def load(store: EscalationStore, escalation_id: UUID) -> Escalation | None:
    async with store.db.read() as conn:
        state, _ = await store.load(conn, escalation_id)
    return state
