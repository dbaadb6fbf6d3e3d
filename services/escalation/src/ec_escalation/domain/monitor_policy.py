"""What the monitor's requests mean: each becomes a command that does nothing
when the escalation has moved on since the timer was set."""

from __future__ import annotations

from uuid import UUID

from ec_escalation.domain import commands as c
from ec_events import monitor as m
from ec_events.base import Event

CONSUMER = "monitor"
MONITOR_ACTOR = ("service", "monitor")


def command_for(event: Event) -> tuple[UUID, c.Command] | None:
    if isinstance(event, m.MonitoringPeriodElapsed):
        return event.escalation_id, c.PassMonitoring(round=event.round)
    if isinstance(event, m.PlanReviewOverdue):
        return event.escalation_id, c.RecordMissedPlanReview(
            plan_version=event.plan_version, due_at=event.due_at
        )
    if isinstance(event, m.ProgressOverdue):
        return event.escalation_id, c.RecordMissedProgressUpdate(
            since_version=event.since_version, due_at=event.due_at
        )
    if isinstance(event, m.RaiseRequested):
        return event.escalation_id, c.RaiseAutomatically(
            from_level=event.from_level, to_level=event.to_level, reason=event.reason
        )
    return None
