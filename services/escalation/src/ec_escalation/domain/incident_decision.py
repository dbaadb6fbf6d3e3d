"""What an incident event means here, given what the store says around it:
start an escalation, reopen one that is resolved, leave it with the open one
it belongs to, or nothing; and why, in plain data. Pure: the adapter
(use_cases/incidents.py) reads `Known` in the message's transaction and keeps the
verdict as the incident's decision record.

One incident never has two open escalations: an incident with an open
escalation never starts another."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal
from uuid import UUID

from ec_escalation.domain.commands import Command, ReportRecurrence, StartEscalation
from ec_escalation.domain.criteria import RuleCheck, RuleSet
from ec_events.escalations import IncidentRecord
from ec_events.incidents import RESOLVED_STATUSES, IncidentFacts, IncidentResolved, IncidentUpdated

# Fixed forever: an automatic escalation's id derives from the incident event
# that started it, so a re-delivered event can only ever start the same one.
ESCALATION_NAMESPACE = uuid.UUID("0b7e0b84-8a53-4a8e-9d0f-3c9d8f1f6a10")
# Resolved with the customer, not closed: a recurrence reopens these.
RESOLVED_STAGES = frozenset({"monitoring", "monitoring_passed"})
# What the criteria look at: after a withdrawal, only a change to one of these
# is news that may start another escalation for the same incident.
CRITERIA_FIELDS = frozenset(
    {
        "priority",
        "customer",
        "customer_resolved",
        "service",
        "sla_breached",
        "reopen_count",
        "customer_escalation_requested",
    }
)

Outcome = Literal["started", "reopened", "linked", "nothing"]


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
    # The incident's latest escalation, when it was withdrawn (started by mistake).
    withdrawn: UUID | None = None


@dataclass(frozen=True)
class Verdict:
    """The decision on one incident event, and why."""

    outcome: Outcome
    explanation: str
    rules: tuple[RuleCheck, ...] = ()
    escalation_id: UUID | None = None
    command: Command | None = None

    @property
    def fired(self) -> tuple[str, ...]:
        return tuple(check.id for check in self.rules if check.matched)

    @property
    def chosen(self) -> tuple[UUID, Command] | None:
        """The command to run, on which escalation; None when nothing is to be done."""
        if self.command is None or self.escalation_id is None:
            return None
        return self.escalation_id, self.command


Decision = tuple[UUID, Command] | None


def decide_for_incident(
    event: IncidentFacts, known: Known, *, rules: RuleSet, message_id: str
) -> Verdict:
    """`message_id` is the incident event's envelope id: the id of the
    escalation it starts derives from it."""
    if isinstance(event, IncidentResolved):
        return _resolved(known)
    checks = rules.check(event, known.recent_counts)
    if known.linked is not None:
        return _with_open_escalation(event, known.linked, checks)
    fired = tuple(check.id for check in checks if check.matched)
    if not fired:
        return Verdict("nothing", f"{_described(event)}: no rule fired", checks)
    if known.withdrawn is not None and not _news_since_withdrawal(event):
        return Verdict(
            "nothing",
            f"rules fired ({', '.join(fired)}), but this incident's escalation "
            f"{known.withdrawn} was withdrawn as started by mistake, and nothing the criteria "
            "look at changed (priority, customer, service, SLA, reopen count, the customer's "
            "request)",
            checks,
        )
    if known.latest_resolved is not None and event.customer_resolved:
        # The problem came back: the escalation it belongs to reopens.
        note = f"new matching incident {event.source}/{event.external_id}: {event.title}"
        return Verdict(
            "reopened",
            f"rules fired ({', '.join(fired)}) for a customer and service whose escalation "
            f"{known.latest_resolved} is resolved and monitored: reopened it",
            checks,
            known.latest_resolved,
            ReportRecurrence(
                note=note, incident_id=event.incident_id, platform_record=event.platform_record
            ),
        )
    escalation_id = uuid.uuid5(ESCALATION_NAMESPACE, message_id)
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
        incident_records=_records(event),
    )
    explanation = f"rules fired ({', '.join(fired)}): started escalation {escalation_id}"
    return Verdict("started", explanation, checks, escalation_id, start)


def _records(event: IncidentFacts) -> tuple[IncidentRecord, ...]:
    if event.platform_record is None:
        return ()
    return (IncidentRecord(incident_id=event.incident_id, record=event.platform_record),)


def _resolved(known: Known) -> Verdict:
    if known.linked is not None:
        return Verdict(
            "linked",
            f"the platform reports the incident resolved; its open escalation "
            f"{known.linked.id} follows its own process",
            escalation_id=known.linked.id,
        )
    return Verdict("nothing", "the platform reports the incident resolved: that starts nothing")


def _with_open_escalation(
    event: IncidentFacts, linked: LinkedEscalation, checks: tuple[RuleCheck, ...]
) -> Verdict:
    reopened = (
        isinstance(event, IncidentUpdated)
        and "status" in event.changed
        and event.status not in RESOLVED_STATUSES
    )
    if reopened and linked.status in RESOLVED_STAGES:
        note = f"incident {event.source}/{event.external_id} reopened ({event.status})"
        return Verdict(
            "reopened",
            f"the platform reopened the incident ({event.status}): its escalation "
            f"{linked.id} was {linked.status} and is active again",
            checks,
            linked.id,
            ReportRecurrence(
                note=note, incident_id=event.incident_id, platform_record=event.platform_record
            ),
        )
    return Verdict(
        "linked",
        f"the incident already has an open escalation {linked.id} ({linked.status}); "
        "one incident never has two",
        checks,
        linked.id,
    )


def _news_since_withdrawal(event: IncidentFacts) -> bool:
    # A first report is judged on its own facts (a manual start by mistake may
    # have named the incident before the platform reported it).
    if not isinstance(event, IncidentUpdated):
        return True
    return bool(CRITERIA_FIELDS & set(event.changed))


def _described(event: IncidentFacts) -> str:
    customer = event.customer
    who = (
        f"a stand-in customer ({customer.id}, not resolved)"
        if not event.customer_resolved
        else f"a {customer.tier} customer ({customer.id})"
    )
    return f"{event.priority} for {who} on {event.service}"
