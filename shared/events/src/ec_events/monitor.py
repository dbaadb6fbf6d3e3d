"""Requests from the monitor service: the escalation service decides what they mean."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import Field

from ec_events.base import AwareDatetime, Event, Text


class MonitorEvent(Event):
    subject_field: ClassVar[str] = "escalation_id"

    escalation_id: UUID
    timer_id: UUID
    due_at: AwareDatetime


class MonitoringPeriodElapsed(MonitorEvent):
    round: int = Field(ge=1)


class PlanReviewOverdue(MonitorEvent):
    plan_version: int = Field(ge=1)


class ProgressOverdue(MonitorEvent):
    # The stream version of the ProgressReported (or start) the deadline came from.
    since_version: int = Field(ge=1)


class RaiseRequested(MonitorEvent):
    from_level: int = Field(ge=1)
    to_level: int = Field(ge=2)
    reason: Text
