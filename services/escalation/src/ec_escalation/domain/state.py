"""The escalation's state, and evolve(state, event) -> state. Pure.

`active` carries sub-facts (manager? team? contacts? assessed? plan version?
level?) rather than more states."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Literal
from uuid import UUID

from pydantic import TypeAdapter

from ec_events import escalations as e
from ec_events.base import Contact, Customer, Event, Person, PlatformRecord, TeamMember

Status = Literal["active", "monitoring", "monitoring_passed", "closed", "reviewed", "withdrawn"]
OPEN_STATUSES: frozenset[str] = frozenset({"active", "monitoring", "monitoring_passed"})


@dataclass(frozen=True)
class Link:
    kind: str
    ref: str
    platform_record: PlatformRecord | None = None


@dataclass(frozen=True)
class MissedDeadline:
    kind: str
    due_at: datetime


@dataclass(frozen=True)
class CustomerAct:
    """One act of a customer contact on their page, as the timeline shows it."""

    kind: str
    contact: e.CustomerContact
    at: datetime
    plan_version: int | None = None
    words: str | None = None


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
    # Where each of its incidents that has one lives on its platform.
    incident_records: tuple[e.IncidentRecord, ...] = ()
    criteria: tuple[str, ...] = ()
    criteria_version: str | None = None
    priority: str | None = None
    customer: Customer | None = None
    service: str | None = None
    manager: Person | None = None
    links: tuple[Link, ...] = ()
    team: tuple[TeamMember, ...] = ()
    provider_contacts: tuple[Contact, ...] = ()
    customer_contacts: tuple[Contact, ...] = ()
    assessment: e.SituationAssessed | None = None
    plan: e.PlanRevised | None = None
    last_progress: e.ProgressReported | None = None
    # Stream version of the last ProgressReported (or of the start): deadlines
    # derived from it name it, so a stale deadline is recognised.
    progress_version: int = 1
    monitoring_round: int = 0
    monitoring_period: timedelta | None = None
    monitoring_ends_at: datetime | None = None
    recurrences: int = 0
    customer_agreement: e.CustomerAgreement | None = None
    review: e.EscalationReviewed | None = None
    withdrawal: e.EscalationWithdrawn | None = None
    missed_deadlines: tuple[MissedDeadline, ...] = ()
    customer_acts: tuple[CustomerAct, ...] = ()
    # The customer's confirmation that it is resolved, for the next
    # resolution, and their agreement to close; a recurrence clears both.
    resolution_confirmed_by: e.CustomerContact | None = None
    closure_agreed_by: e.CustomerContact | None = None
    # When each customer contact (email, lower case) last asked for a new link.
    links_asked_at: tuple[tuple[str, datetime], ...] = ()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def to_json(self) -> dict[str, Any]:
        dumped: dict[str, Any] = _adapter().dump_python(self, mode="json")
        return dumped

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Escalation:
        return _adapter().validate_python(data)


@cache
def _adapter() -> TypeAdapter[Escalation]:
    return TypeAdapter(Escalation)


def _updated(state: Escalation, changes: dict[str, Any]) -> Escalation:
    # What dataclasses.replace does, without re-running __init__: replay folds
    # millions of events, and this is five times faster.
    new = object.__new__(Escalation)
    new.__dict__.update(state.__dict__)
    new.__dict__.update(changes)
    return new


def _started(event: e.EscalationStarted) -> Escalation:
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
        incident_records=event.incident_records,
        criteria=event.criteria,
        criteria_version=event.criteria_version,
        priority=event.priority,
        customer=event.customer,
        service=event.service,
    )


def _changes(state: Escalation, event: Event) -> dict[str, Any]:
    """What each event changes, apart from the version."""
    apply = _APPLY.get(type(event))
    if apply is None:
        raise ValueError(f"{event.event_name()} is not an escalation event")
    return apply(state, event)


def _customer_act(state: Escalation, event: e.CustomerActEvent) -> dict[str, Any]:
    words = getattr(event, "comment", None) or getattr(event, "note", None)
    act = CustomerAct(
        kind=event.event_name(),
        contact=event.contact,
        at=event.at,
        plan_version=event.plan_version,
        words=words,
    )
    changes: dict[str, Any] = {"customer_acts": (*state.customer_acts, act)}
    plan = state.plan
    answer = isinstance(event, e.CustomerAgreedToPlan | e.CustomerDeclinedPlan)
    if answer and plan is not None and plan.plan_version == event.plan_version:
        # The plan's agreement is the customer's own word now, not an override.
        agreed = isinstance(event, e.CustomerAgreedToPlan)
        changes["plan"] = plan.model_copy(
            update={"customer_agreed": agreed, "agreement_override_reason": None}
        )
    if isinstance(event, e.CustomerConfirmedResolution):
        changes["resolution_confirmed_by"] = event.contact
    if isinstance(event, e.CustomerAgreedToClosure):
        changes["closure_agreed_by"] = event.contact
    return changes


_APPLY: dict[type[Event], Callable[[Escalation, Any], dict[str, Any]]] = {
    e.EscalationManagerAssigned: lambda s, ev: {"manager": ev.manager},
    e.RecordLinked: lambda s, ev: {
        "links": (*s.links, Link(kind=ev.kind, ref=ev.ref, platform_record=ev.platform_record)),
        "incident_ids": _with_incidents(s.incident_ids, _incident_ref(ev)),
        "incident_records": _with_records(
            s.incident_records, _incident_ref(ev), ev.platform_record
        ),
    },
    e.EscalationTeamAssigned: lambda s, ev: {"team": ev.members},
    e.CommunicationContactsSet: lambda s, ev: {
        "provider_contacts": ev.provider,
        "customer_contacts": ev.customer,
    },
    e.SituationAssessed: lambda s, ev: {"assessment": ev},
    e.PlanRevised: lambda s, ev: {"plan": ev},
    e.EscalationLevelRaised: lambda s, ev: {"level": ev.to_level},
    e.ProgressReported: lambda s, ev: {"last_progress": ev, "progress_version": s.version + 1},
    e.MonitoringStarted: lambda s, ev: {
        "status": "monitoring",
        "resolution_confirmed_by": None,
        "monitoring_round": ev.round,
        "monitoring_period": ev.monitoring_period,
        "monitoring_ends_at": ev.ends_at,
    },
    e.EscalationReopened: lambda s, ev: {
        "status": "active",
        "monitoring_ends_at": None,
        "resolution_confirmed_by": None,
        "closure_agreed_by": None,
        "recurrences": s.recurrences + 1,
        "incident_ids": _with_incidents(
            s.incident_ids, (ev.incident_id,) if ev.incident_id else ()
        ),
        "incident_records": _with_records(
            s.incident_records, (ev.incident_id,) if ev.incident_id else (), ev.platform_record
        ),
    },
    e.MonitoringPassed: lambda s, ev: {"status": "monitoring_passed"},
    e.EscalationClosed: lambda s, ev: {
        "status": "closed",
        "customer_agreement": ev.customer_agreement,
    },
    e.EscalationReviewed: lambda s, ev: {"status": "reviewed", "review": ev},
    e.EscalationWithdrawn: lambda s, ev: {"status": "withdrawn", "withdrawal": ev},
    e.EscalationDetailsCorrected: lambda s, ev: _corrected(ev),
    e.DeadlineMissed: lambda s, ev: {
        "missed_deadlines": (*s.missed_deadlines, MissedDeadline(kind=ev.kind, due_at=ev.due_at))
    },
    **{act: _customer_act for act in e.CUSTOMER_ACTS},
    e.CustomerAskedForLink: lambda s, ev: {
        "links_asked_at": (
            *((email, at) for email, at in s.links_asked_at if email != ev.contact.email.lower()),
            (ev.contact.email.lower(), ev.at),
        )
    },
}


def _corrected(event: e.EscalationDetailsCorrected) -> dict[str, Any]:
    changes = {
        "title": event.title,
        "priority": event.priority,
        "customer": event.customer,
        "service": event.service,
    }
    return {name: change.new for name, change in changes.items() if change is not None}


def _with_incidents(known: tuple[UUID, ...], new: tuple[UUID, ...]) -> tuple[UUID, ...]:
    return known + tuple(i for i in new if i not in known)


def _with_records(
    known: tuple[e.IncidentRecord, ...], incident: tuple[UUID, ...], record: PlatformRecord | None
) -> tuple[e.IncidentRecord, ...]:
    """With the record of `incident` (none or one id), unless it is already there."""
    if record is None or not incident or any(r.incident_id == incident[0] for r in known):
        return known
    return (*known, e.IncidentRecord(incident_id=incident[0], record=record))


def _incident_ref(event: e.RecordLinked) -> tuple[UUID, ...]:
    # An incident linked by its Escalation Center id joins incident_ids too.
    if event.kind != "incident":
        return ()
    try:
        return (UUID(event.ref),)
    except ValueError:
        return ()


def evolve(state: Escalation | None, event: Event) -> Escalation:
    if isinstance(event, e.EscalationStarted):
        if state is not None:
            raise ValueError("EscalationStarted in a stream that already started")
        return _started(event)
    if state is None:
        raise ValueError(f"{event.event_name()} before EscalationStarted")
    return _updated(state, {"version": state.version + 1, **_changes(state, event)})


def fold(events: Iterable[Event], state: Escalation | None = None) -> Escalation | None:
    for event in events:
        state = evolve(state, event)
    return state
