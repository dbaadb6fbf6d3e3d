"""How one escalation performed, from its events and the time each
was recorded. Pure.

`advance` folds the events into a `Trail` (the moments that matter and the
counts); `measures` turns a trail into durations in seconds at a given moment
(an open escalation's time in its state and at its level run up to `now`).
Every moment is the event's recorded time, except the start, which is the
EscalationStarted's own `started_at`. The first incident's time is not in the
escalation's stream: the adapter supplies it with `with_incident_time`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from pydantic import TypeAdapter

from ec_events import escalations as e
from ec_events.base import Event

OPEN_STATUSES = frozenset({"active", "monitoring", "monitoring_passed"})
DURATIONS = (
    "time_to_escalate",
    "time_to_manager",
    "time_to_team",
    "time_to_assessment",
    "time_to_plan",
    "time_to_agreed_plan",
    "time_to_resolution",
    "time_to_closure",
    "closure_to_review",
    "time_in_state",
)
# The durations that never change once known (time in state runs on with the clock).
SETTLED_DURATIONS = tuple(d for d in DURATIONS if d != "time_in_state")
_STATUS_AFTER: dict[type[Event], str] = {
    e.MonitoringStarted: "monitoring",
    e.EscalationReopened: "active",
    e.MonitoringPassed: "monitoring_passed",
    e.EscalationClosed: "closed",
    e.EscalationReviewed: "reviewed",
    e.EscalationWithdrawn: "withdrawn",
}


@dataclass(frozen=True)
class Trail:
    escalation_id: UUID
    started_at: datetime
    trigger: str
    level: int
    level_since: datetime
    status: str
    status_since: datetime
    criteria: tuple[str, ...] = ()
    first_incident_id: UUID | None = None
    # The first incident's occurred_at, else when it was first seen.
    incident_at: datetime | None = None
    customer_id: str | None = None
    customer_name: str | None = None
    service: str | None = None
    manager_id: str | None = None
    manager_name: str | None = None
    manager_at: datetime | None = None
    team_at: datetime | None = None
    assessed_at: datetime | None = None
    plan_at: datetime | None = None
    agreed_plan_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    reviewed_at: datetime | None = None
    # Closed or withdrawn: the escalation stops counting time at its level.
    ended_at: datetime | None = None
    # Seconds spent at each level already left, as (level, seconds).
    levels_left: tuple[tuple[int, float], ...] = ()
    raises_manual: int = 0
    raises_automatic: int = 0
    missed_plan_review: int = 0
    missed_progress_update: int = 0
    monitoring_passed: int = 0
    recurrences: int = 0
    closed_with_agreement: bool = False
    problem_inputs: int = 0

    def to_json(self) -> dict[str, Any]:
        dumped: dict[str, Any] = _adapter().dump_python(self, mode="json")
        return dumped

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Trail:
        return _adapter().validate_python(data)


@cache
def _adapter() -> TypeAdapter[Trail]:
    return TypeAdapter(Trail)


def _begun(event: e.EscalationStarted) -> Trail:
    return Trail(
        escalation_id=event.escalation_id,
        started_at=event.started_at,
        trigger=event.trigger,
        level=event.level,
        level_since=event.started_at,
        status="active",
        status_since=event.started_at,
        criteria=event.criteria,
        first_incident_id=event.incident_ids[0] if event.incident_ids else None,
        customer_id=event.customer.id if event.customer else None,
        customer_name=event.customer.name if event.customer else None,
        service=event.service,
    )


def _raised(t: Trail, ev: e.EscalationLevelRaised, at: datetime) -> dict[str, Any]:
    counter = "raises_automatic" if ev.automatic else "raises_manual"
    return {
        "levels_left": (*t.levels_left, (t.level, _seconds(t.level_since, at))),
        "level": ev.to_level,
        "level_since": at,
        counter: getattr(t, counter) + 1,
    }


def _missed(t: Trail, ev: e.DeadlineMissed) -> dict[str, Any]:
    counter = f"missed_{ev.kind}"
    return {counter: getattr(t, counter) + 1}


def _corrected(ev: e.EscalationDetailsCorrected) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if ev.customer is not None:
        changes |= {"customer_id": ev.customer.new.id, "customer_name": ev.customer.new.name}
    if ev.service is not None:
        changes["service"] = ev.service.new
    return changes


def _first(t: Trail, name: str, at: datetime) -> dict[str, Any]:
    return {} if getattr(t, name) is not None else {name: at}


_APPLY: dict[type[Event], Callable[[Trail, Any, datetime], dict[str, Any]]] = {
    e.EscalationManagerAssigned: lambda t, ev, at: {
        **_first(t, "manager_at", at),
        "manager_id": ev.manager.id,
        "manager_name": ev.manager.name,
    },
    e.EscalationTeamAssigned: lambda t, ev, at: _first(t, "team_at", at),
    e.SituationAssessed: lambda t, ev, at: _first(t, "assessed_at", at),
    e.PlanRevised: lambda t, ev, at: {
        **_first(t, "plan_at", at),
        **(_first(t, "agreed_plan_at", at) if ev.customer_agreed else {}),
    },
    e.CustomerAgreedToPlan: lambda t, ev, at: _first(t, "agreed_plan_at", at),
    e.EscalationLevelRaised: _raised,
    e.DeadlineMissed: lambda t, ev, at: _missed(t, ev),
    e.MonitoringStarted: lambda t, ev, at: _first(t, "resolved_at", at),
    e.EscalationReopened: lambda t, ev, at: {"recurrences": t.recurrences + 1},
    e.MonitoringPassed: lambda t, ev, at: {"monitoring_passed": t.monitoring_passed + 1},
    e.EscalationClosed: lambda t, ev, at: {
        "closed_at": at,
        "ended_at": at,
        "closed_with_agreement": bool(ev.customer_agreement.by.strip()),
    },
    e.EscalationReviewed: lambda t, ev, at: {
        "reviewed_at": at,
        "problem_inputs": len(ev.problem_management_inputs),
    },
    e.EscalationWithdrawn: lambda t, ev, at: {"ended_at": at},
    e.EscalationDetailsCorrected: lambda t, ev, at: _corrected(ev),
}


def advance(trail: Trail | None, event: Event, at: datetime) -> Trail:
    """The trail after `event`, recorded at `at`. Events that measure nothing
    (links, contacts, progress notes) leave it as it was."""
    if isinstance(event, e.EscalationStarted):
        return _begun(event)
    if trail is None:
        raise ValueError(f"{event.event_name()} before EscalationStarted")
    apply = _APPLY.get(type(event))
    changes = apply(trail, event, at) if apply else {}
    status = _STATUS_AFTER.get(type(event))
    if status is not None and status != trail.status:
        changes |= {"status": status, "status_since": at}
    return _updated(trail, changes) if changes else trail


def _updated(trail: Trail, changes: dict[str, Any]) -> Trail:
    # dataclasses.replace without re-running __init__ (as state.py does): a
    # rebuild folds every event of the store into a trail too.
    new = object.__new__(Trail)
    new.__dict__.update(trail.__dict__)
    new.__dict__.update(changes)
    return new


def trail_of(events: Iterable[tuple[Event, datetime]], trail: Trail | None = None) -> Trail | None:
    for event, at in events:
        trail = advance(trail, event, at)
    return trail


def with_incident_time(trail: Trail, incident_at: datetime | None) -> Trail:
    return _updated(trail, {"incident_at": incident_at})


@dataclass(frozen=True)
class Measures:
    """One escalation's measures at a moment: durations in seconds (None when
    the escalation has not got there), counts, and what it is grouped by."""

    trail: Trail
    durations: dict[str, float | None]
    # Seconds at each level it has been at, the current one up to its end or now.
    time_at_level: dict[int, float]

    @property
    def is_open(self) -> bool:
        return self.trail.status in OPEN_STATUSES

    def as_dict(self) -> dict[str, Any]:
        t = self.trail
        return {
            "escalation_id": str(t.escalation_id),
            "state": t.status,
            "level": t.level,
            **self.durations,
            "time_at_level": {str(level): s for level, s in self.time_at_level.items()},
            "raises": {"manual": t.raises_manual, "automatic": t.raises_automatic},
            "missed_deadlines": {
                "plan_review": t.missed_plan_review,
                "progress_update": t.missed_progress_update,
            },
            "monitoring_passed": t.monitoring_passed,
            "recurrences": t.recurrences,
            "closed_with_agreement": t.closed_with_agreement,
            "problem_inputs": t.problem_inputs,
        }


def measures(trail: Trail, now: datetime) -> Measures:
    start = trail.started_at
    durations = {
        "time_to_escalate": _between(trail.incident_at, start),
        "time_to_manager": _between(start, trail.manager_at),
        "time_to_team": _between(start, trail.team_at),
        "time_to_assessment": _between(start, trail.assessed_at),
        "time_to_plan": _between(start, trail.plan_at),
        "time_to_agreed_plan": _between(start, trail.agreed_plan_at),
        "time_to_resolution": _between(start, trail.resolved_at),
        "time_to_closure": _between(start, trail.closed_at),
        "closure_to_review": _between(trail.closed_at, trail.reviewed_at),
        "time_in_state": _seconds(trail.status_since, now),
    }
    at_level: dict[int, float] = {}
    current = (trail.level, _seconds(trail.level_since, trail.ended_at or now))
    for level, seconds in (*trail.levels_left, current):
        at_level[level] = at_level.get(level, 0.0) + seconds
    return Measures(trail=trail, durations=durations, time_at_level=at_level)


def _seconds(since: datetime, until: datetime) -> float:
    return (until - since).total_seconds()


def _between(since: datetime | None, until: datetime | None) -> float | None:
    return None if since is None or until is None else _seconds(since, until)
