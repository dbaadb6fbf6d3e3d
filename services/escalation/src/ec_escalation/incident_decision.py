"""What an incident event means here, given what the store says around it:
start an escalation, reopen one that is resolved, or nothing. Pure: the
adapter (incident_policy) reads `Known` in the message's transaction.

One incident never has two open escalations: an incident with an open
escalation never starts another."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from uuid import UUID

from ec_escalation.commands import Command, ReportRecurrence, StartEscalation
from ec_escalation.criteria import RuleSet
from ec_events.incidents import RESOLVED_STATUSES, IncidentFacts, IncidentResolved, IncidentUpdated

# Fixed forever: an automatic escalation's id derives from the incident event
# that started it, so a re-delivered event can only ever start the same one.
ESCALATION_NAMESPACE = uuid.UUID("0b7e0b84-8a53-4a8e-9d0f-3c9d8f1f6a10")
# Resolved with the customer, not closed: a recurrence reopens these.
RESOLVED_STAGES = frozenset({"monitoring", "monitoring_passed"})


@dataclass(frozen=True)
class LinkedEscalation:
    """The open escalation the incident already belongs to."""

    id: UUID
    status: str | None


@dataclass(frozen=True)
class Known:
    """What the store said about the incident's surroundings when it arrived."""

    # The open escalation linked to this incident, if any.
    linked: LinkedEscalation | None = None
    # How many incidents (this one included) the customer had on this service
    # within each window the rules name.
    recent_counts: Mapping[timedelta, int] = field(default_factory=dict)
    # The most recently started escalation of this customer and service that is
    # resolved and being monitored (or passed monitoring, not closed yet).
    latest_resolved: UUID | None = None


Decision = tuple[UUID, Command] | None


def decide_for_incident(
    event: IncidentFacts, known: Known, *, rules: RuleSet, message_id: str
) -> Decision:
    """`message_id` is the incident event's envelope id: the id of the
    escalation it starts derives from it."""
    if isinstance(event, IncidentResolved):
        return None
    if known.linked is not None:
        return _reopened_by_platform(event, known.linked)
    fired = rules.fired_by(event, known.recent_counts)
    if not fired:
        return None
    if known.latest_resolved is not None:
        # The problem came back: the escalation it belongs to reopens.
        note = f"new matching incident {event.source}/{event.external_id}: {event.title}"
        return known.latest_resolved, ReportRecurrence(note=note, incident_id=event.incident_id)
    start = StartEscalation(
        trigger="automatic",
        reason="escalation criteria met: " + ", ".join(fired),
        title=event.title,
        incident_ids=(event.incident_id,),
        priority=event.priority,
        customer=event.customer,
        service=event.service,
        criteria=fired,
        criteria_version=rules.version,
    )
    return uuid.uuid5(ESCALATION_NAMESPACE, message_id), start


def _reopened_by_platform(event: IncidentFacts, linked: LinkedEscalation) -> Decision:
    reopened = (
        isinstance(event, IncidentUpdated)
        and "status" in event.changed
        and event.status not in RESOLVED_STATUSES
    )
    if not reopened or linked.status not in RESOLVED_STAGES:
        return None
    note = f"incident {event.source}/{event.external_id} reopened ({event.status})"
    return linked.id, ReportRecurrence(note=note, incident_id=event.incident_id)
