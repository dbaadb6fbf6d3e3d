"""The shapes of the escalation routes' answers, as /docs shows them. The
routes build their JSON in views.py; tests check each answer against these."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from ec_escalation.domain.state import Status
from ec_events import escalations as e
from ec_events.base import Contact, Customer, Person, PlatformRecord, Priority, TeamMember
from ec_platform.http.pagination import Page

__all__ = ["Page"]  # the list answers' shape, re-exported beside the items it holds


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LinkView(Shape):
    kind: str
    ref: str
    platform_record: PlatformRecord | None = Field(
        description="the record on its ITSM platform: a problem record the review produced, "
        "or an incident linked by its Escalation Center id"
    )


class MissedDeadlineView(Shape):
    kind: str
    due_at: datetime


class CustomerActView(Shape):
    kind: str = Field(description="the event: CustomerAgreedToPlan, CustomerDeclinedPlan, …")
    contact: e.CustomerContact
    at: datetime
    plan_version: int | None
    words: str | None


class EscalationView(Shape):
    """One escalation's state, rebuilt from its events; `version` is also its ETag."""

    id: UUID
    state: Status
    version: int
    title: str
    level: int
    started_at: datetime
    trigger: Literal["automatic", "manual"]
    reason: str
    incident_ids: list[UUID]
    incident_records: list[e.IncidentRecord] = Field(
        description="where each of its incidents that has one lives on its ITSM platform "
        "(ServiceNow sys_id and number, Jira issue key, PagerDuty id and number)"
    )
    criteria: list[str]
    criteria_version: str | None
    priority: Priority | None
    customer: Customer | None
    service: str | None
    manager: Person | None
    links: list[LinkView]
    team: list[TeamMember]
    provider_contacts: list[Contact]
    customer_contacts: list[Contact]
    assessment: e.SituationAssessed | None
    plan: e.PlanRevised | None
    last_progress: e.ProgressReported | None
    progress_version: int
    monitoring_round: int
    monitoring_period: timedelta | None = Field(description="ISO 8601 duration")
    monitoring_ends_at: datetime | None
    recurrences: int
    customer_agreement: e.CustomerAgreement | None
    review: e.EscalationReviewed | None
    withdrawal: e.EscalationWithdrawn | None
    missed_deadlines: list[MissedDeadlineView]
    customer_acts: list[CustomerActView] = Field(
        description="what the customer contacts did on their own pages, in order"
    )
    resolution_confirmed_by: e.CustomerContact | None = Field(
        description="the customer contact who confirmed the resolution the next one stands on"
    )
    closure_agreed_by: e.CustomerContact | None = Field(
        description="the customer contact who agreed to close (cleared by a recurrence)"
    )


class BoardItem(Shape):
    """One row of the board."""

    id: UUID
    state: Status
    version: int
    level: int
    title: str
    priority: Priority | None
    customer_id: str | None
    customer_name: str | None
    service: str | None
    manager_id: str | None
    manager_name: str | None
    plan_version: int
    review_by: datetime | None
    next_update_due: datetime | None
    monitoring_round: int
    monitoring_ends_at: datetime | None
    recurrences: int
    started_at: datetime
    updated_at: datetime


class Actor(Shape):
    role: str
    name: str


class RecordedEvent(Shape):
    """A stored escalation event; `id` equals `ce_id` on Kafka."""

    id: UUID
    type: str
    escalation_id: UUID
    version: int = Field(description="its place in the escalation's stream, from 1")
    position: int = Field(description="its place in the global order")
    recorded_at: datetime
    actor: Actor
    schema_version: int
    correlation_id: str | None
    causation_id: str | None
    hash: str = Field(description="SHA-256 over its content and its stream's previous hash")
    data: dict[str, Any]


class TimelineEntry(Shape):
    at: datetime
    version: int
    type: str
    actor: str = Field(description="role:name")
    summary: str


class VerificationView(Shape):
    ok: bool
    checked: int
    first_broken_position: int | None
    reason: str | None


class RuleCheckView(Shape):
    id: str
    description: str
    matched: bool
    unmet: list[str] = Field(description="each condition the incident did not meet, in words")


class IncidentDecisionView(Shape):
    """What the escalation service decided on one incident event, and why."""

    id: UUID
    incident_id: UUID
    message_id: str = Field(description="the incident event's id (ce_id)")
    event_type: str
    decided_at: datetime
    outcome: Literal["started", "reopened", "linked", "nothing"] = Field(
        description="started escalation_id / reopened it / left with the open escalation_id "
        "it belongs to / nothing"
    )
    escalation_id: UUID | None
    explanation: str
    criteria_version: str
    rules: list[RuleCheckView] = Field(description="every rule, and whether it matched")
    facts: dict[str, Any] = Field(description="what the rules looked at")


class DurationSummary(Shape):
    median: float | None
    p90: float | None
    max: float | None


class ReportFigures(Shape):
    counts: dict[str, int] = Field(
        description="started, closed, closed_with_agreement, open, withdrawn, recurrences, "
        "monitoring_passed, raises_manual, raises_automatic, missed_plan_review, "
        "missed_progress_update, problem_inputs"
    )
    durations: dict[str, DurationSummary] = Field(
        description="seconds, for each measure (time_at_level_N for each level reached)"
    )


class ReportGroup(ReportFigures):
    group: str


class EscalationReport(Shape):
    """Escalations started in [from, to), grouped, with the period's totals."""

    group_by: str
    from_: datetime = Field(alias="from")
    to: datetime
    generated_at: datetime
    groups: list[ReportGroup]
    totals: ReportFigures
