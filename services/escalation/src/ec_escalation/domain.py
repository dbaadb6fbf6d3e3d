"""The escalation aggregate: decide(state, command) -> events, evolve(state, event) -> state.

Pure: no I/O, no clock, no frameworks."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal
from uuid import UUID

from ec_events.base import Customer, Event, Priority
from ec_events.escalations import EscalationStarted

Status = Literal["active", "monitoring", "monitoring_passed", "closed", "reviewed"]


class DomainError(Exception):
    """A command the escalation refuses."""


class NotAllowed(DomainError):
    """The command does not fit the escalation's state (HTTP 409)."""


class NotFound(DomainError):
    """No escalation with that id (HTTP 404)."""


@dataclass(frozen=True)
class Escalation:
    id: UUID
    version: int
    status: Status
    title: str
    level: int
    started_at: datetime
    trigger: str
    reason: str
    incident_ids: tuple[UUID, ...] = ()
    criteria: tuple[str, ...] = ()
    criteria_version: str | None = None
    priority: str | None = None
    customer: Customer | None = None
    service: str | None = None


@dataclass(frozen=True)
class StartEscalation:
    escalation_id: UUID
    trigger: Literal["automatic", "manual"]
    reason: str
    title: str
    started_at: datetime
    incident_ids: tuple[UUID, ...] = ()
    priority: Priority | None = None
    customer: Customer | None = None
    service: str | None = None
    criteria: tuple[str, ...] = ()
    criteria_version: str | None = None


Command = StartEscalation


def decide(state: Escalation | None, command: Command) -> list[Event]:
    if state is not None:
        raise NotAllowed(f"escalation {command.escalation_id} already exists")
    return [
        EscalationStarted(
            escalation_id=command.escalation_id,
            trigger=command.trigger,
            reason=command.reason,
            incident_ids=command.incident_ids,
            title=command.title,
            priority=command.priority,
            customer=command.customer,
            service=command.service,
            criteria=command.criteria,
            criteria_version=command.criteria_version,
            started_at=command.started_at,
        )
    ]


def evolve(state: Escalation | None, event: Event) -> Escalation:
    if isinstance(event, EscalationStarted):
        return Escalation(
            id=event.escalation_id,
            version=1,
            status="active",
            title=event.title,
            level=event.level,
            started_at=event.started_at,
            trigger=event.trigger,
            reason=event.reason,
            incident_ids=event.incident_ids,
            criteria=event.criteria,
            criteria_version=event.criteria_version,
            priority=event.priority,
            customer=event.customer,
            service=event.service,
        )
    if state is None:
        raise ValueError(f"{event.event_name()} before EscalationStarted")
    return replace(state, version=state.version + 1)


def fold(events: list[Event]) -> Escalation | None:
    state: Escalation | None = None
    for event in events:
        state = evolve(state, event)
    return state
