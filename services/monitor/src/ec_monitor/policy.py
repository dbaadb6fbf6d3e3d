"""Which timers an escalation event sets or cancels, and what a due timer asks
for. Pure: the monitor's whole judgement, without a clock or a database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

from ec_events import escalations as e
from ec_events import monitor as m
from ec_events.base import Event

TimerKind = Literal["monitoring_period", "plan_review", "progress_update", "auto_raise"]
TIMER_KINDS: tuple[TimerKind, ...] = (
    "monitoring_period",
    "plan_review",
    "progress_update",
    "auto_raise",
)
# Fixed forever: a timer's id derives from the event that set it, so a
# re-delivered event sets the same timer, not a second one.
TIMER_NAMESPACE = uuid.UUID("4a8f2c1e-6b3d-4e5f-9a7b-1c2d3e4f5a6b")


@dataclass(frozen=True)
class Watch:
    """What the monitor knows of one escalation."""

    escalation_id: UUID
    status: str
    level: int


@dataclass(frozen=True)
class Timer:
    id: UUID
    escalation_id: UUID
    kind: TimerKind
    due_at: datetime
    level: int | None = None
    round: int | None = None
    plan_version: int | None = None
    since_version: int | None = None


@dataclass(frozen=True)
class Plan:
    watch: Watch | None
    cancel: frozenset[TimerKind] = frozenset()
    set: tuple[Timer, ...] = field(default=())


@dataclass(frozen=True)
class RaisePolicy:
    """How long each level may go without progress before the next is asked for
    (`after[0]` for level 1, …); the level past the last entry is the top."""

    after: tuple[timedelta, ...]

    def timer(self, escalation_id: UUID, level: int, since: datetime, source: UUID) -> Timer | None:
        if level < 1 or level > len(self.after):
            return None
        return Timer(
            timer_id(source, "auto_raise"),
            escalation_id,
            "auto_raise",
            since + self.after[level - 1],
            level=level,
        )


def timer_id(source_event_id: UUID, kind: TimerKind) -> UUID:
    return uuid.uuid5(TIMER_NAMESPACE, f"{source_event_id}:{kind}")


def plan_timers(
    watch: Watch | None,
    event: Event,
    *,
    event_id: UUID,
    at: datetime,
    stream_version: int,
    policy: RaisePolicy,
) -> Plan:
    """The timers to cancel (by kind, for this escalation) and to set."""
    if isinstance(event, e.EscalationStarted):
        started = Watch(event.escalation_id, "active", event.level)
        raise_timer = policy.timer(event.escalation_id, event.level, event.started_at, event_id)
        return Plan(started, frozenset({"auto_raise"}), _present(raise_timer))
    if watch is None or not isinstance(event, e.EscalationEvent):
        return Plan(watch)
    return _after(watch, event, event_id=event_id, at=at, version=stream_version, policy=policy)


def _after(
    watch: Watch,
    event: e.EscalationEvent,
    *,
    event_id: UUID,
    at: datetime,
    version: int,
    policy: RaisePolicy,
) -> Plan:
    eid = watch.escalation_id
    if isinstance(event, e.PlanRevised):
        review = Timer(
            timer_id(event_id, "plan_review"),
            eid,
            "plan_review",
            event.review_by,
            plan_version=event.plan_version,
        )
        return Plan(watch, frozenset({"plan_review"}), (review,))
    if isinstance(event, e.ProgressReported):
        update = Timer(
            timer_id(event_id, "progress_update"),
            eid,
            "progress_update",
            event.next_update_due,
            since_version=version,
        )
        raise_timer = (
            policy.timer(eid, watch.level, at, event_id) if watch.status == "active" else None
        )
        return Plan(
            watch, frozenset({"progress_update", "auto_raise"}), (update, *_present(raise_timer))
        )
    if isinstance(event, e.EscalationLevelRaised):
        raised = replace(watch, level=event.to_level)
        return Plan(
            raised,
            frozenset({"auto_raise"}),
            _present(policy.timer(eid, event.to_level, at, event_id)),
        )
    if isinstance(event, e.MonitoringStarted):
        period = Timer(
            timer_id(event_id, "monitoring_period"),
            eid,
            "monitoring_period",
            event.ends_at,
            round=event.round,
        )
        return Plan(
            replace(watch, status="monitoring"),
            frozenset({"monitoring_period", "auto_raise"}),
            (period,),
        )
    if isinstance(event, e.EscalationReopened):
        active = replace(watch, status="active")
        return Plan(
            active,
            frozenset({"monitoring_period", "auto_raise"}),
            _present(policy.timer(eid, watch.level, at, event_id)),
        )
    if isinstance(event, e.MonitoringPassed):
        return Plan(replace(watch, status="monitoring_passed"), frozenset({"monitoring_period"}))
    if isinstance(event, e.EscalationClosed | e.EscalationReviewed):
        return Plan(replace(watch, status="closed"), frozenset(TIMER_KINDS))
    if isinstance(event, e.EscalationWithdrawn):
        # Started by mistake: nothing is due any more.
        return Plan(replace(watch, status="withdrawn"), frozenset(TIMER_KINDS))
    return Plan(watch)


def _present(timer: Timer | None) -> tuple[Timer, ...]:
    return (timer,) if timer else ()


def request_for(timer: Timer, policy: RaisePolicy) -> Event:
    """What a due timer asks of the escalation service."""
    common = {"escalation_id": timer.escalation_id, "timer_id": timer.id, "due_at": timer.due_at}
    if timer.kind == "monitoring_period":
        return m.MonitoringPeriodElapsed(**common, round=timer.round or 1)
    if timer.kind == "plan_review":
        return m.PlanReviewOverdue(**common, plan_version=timer.plan_version or 1)
    if timer.kind == "progress_update":
        return m.ProgressOverdue(**common, since_version=timer.since_version or 1)
    level = timer.level or 1
    waited = _spoken(policy.after[level - 1]) if level <= len(policy.after) else "too long"
    return m.RaiseRequested(
        **common,
        from_level=level,
        to_level=level + 1,
        reason=f"automatic: no progress at level {level} for {waited}",
    )


def _spoken(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    parts = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}")
    return " ".join(parts) or "0 s"
