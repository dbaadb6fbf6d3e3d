"""Events of the escalation's own stream, written only by the escalation service."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from pydantic import Field

from ec_events.base import (
    AwareDatetime,
    Contact,
    Customer,
    Email,
    Event,
    Frozen,
    Name,
    Person,
    PlanAction,
    PlatformRecord,
    Priority,
    TeamMember,
    Text,
)

RecordKind = Literal["incident", "problem", "change"]
DeadlineKind = Literal["plan_review", "progress_update"]


class CustomerContact(Frozen):
    """A customer contact acting in their own name, on their own page."""

    name: Name
    email: Email


class IncidentRecord(Frozen):
    """One of an escalation's incidents, on the platform that reported it."""

    incident_id: UUID
    record: PlatformRecord


class EscalationEvent(Event):
    subject_field: ClassVar[str] = "escalation_id"

    escalation_id: UUID


class EscalationStarted(EscalationEvent):
    trigger: Literal["automatic", "manual"]
    reason: Text
    incident_ids: tuple[UUID, ...] = ()
    title: Text
    priority: Priority | None = None
    customer: Customer | None = None
    service: Name | None = None
    # Which escalation rules fired, and the version of the rule set they came from.
    criteria: tuple[str, ...] = ()
    criteria_version: str | None = None
    level: int = Field(default=1, ge=1)
    started_at: AwareDatetime
    # The platform records of `incident_ids`, for those that have one.
    incident_records: tuple[IncidentRecord, ...] = ()


class EscalationManagerAssigned(EscalationEvent):
    manager: Person
    previous_manager_id: str | None = None


class RecordLinked(EscalationEvent):
    kind: RecordKind
    ref: Name
    # For an incident linked by its Escalation Center id: its platform record, if any.
    platform_record: PlatformRecord | None = None


class EscalationTeamAssigned(EscalationEvent):
    members: tuple[TeamMember, ...]


class CommunicationContactsSet(EscalationEvent):
    provider: tuple[Contact, ...] = ()
    customer: tuple[Contact, ...] = ()


class SituationAssessed(EscalationEvent):
    summary: Text
    impact: Text
    risk: Text
    affected_services: tuple[Name, ...] = ()
    affected_customers: tuple[Name, ...] = ()
    known: Text | None = None
    unknown: Text | None = None


class PlanRevised(EscalationEvent):
    plan_version: int = Field(ge=1)
    actions: tuple[PlanAction, ...]
    resources: tuple[Text, ...] = ()
    # True only by the customer's own act (CustomerAgreedToPlan) or, set by
    # an operator, with `agreement_override_reason` saying why.
    customer_agreed: bool
    reason: Text
    review_by: AwareDatetime
    agreement_override_reason: Text | None = None


class EscalationLevelRaised(EscalationEvent):
    from_level: int = Field(ge=1)
    to_level: int = Field(ge=2)
    reason: Text
    automatic: bool = False


class ProgressReported(EscalationEvent):
    note: Text
    next_update_due: AwareDatetime


class MonitoringStarted(EscalationEvent):
    # Each resolution opens a new monitoring round; timers name the round they belong to.
    round: int = Field(ge=1)
    customer_confirmed: bool
    monitoring_period: timedelta
    started_at: AwareDatetime
    ends_at: AwareDatetime
    # Who confirmed: the customer contact of record, or else the operator's
    # override reason (older events carry neither).
    confirmed_by: CustomerContact | None = None
    override_reason: Text | None = None


class EscalationReopened(EscalationEvent):
    round: int = Field(ge=1)
    note: Text
    incident_id: UUID | None = None
    # The platform record of `incident_id`, if it has one.
    platform_record: PlatformRecord | None = None


class MonitoringPassed(EscalationEvent):
    round: int = Field(ge=1)


class CustomerAgreement(Frozen):
    by: Name
    note: Text


class EscalationClosed(EscalationEvent):
    customer_agreement: CustomerAgreement
    # Which it was: the customer's agreement of record (their contact) or an
    # operator's override with its reason (older events carry neither).
    agreed_by: CustomerContact | None = None
    override_reason: Text | None = None


class ProblemManagementInput(Frozen):
    kind: Literal["open_problem", "update_problem", "follow_up_action", "major_problem_review"]
    description: Text
    ref: Name | None = None
    owner: Name | None = None


class EscalationReviewed(EscalationEvent):
    findings: Text
    problem_management_inputs: tuple[ProblemManagementInput, ...] = ()


class DeadlineMissed(EscalationEvent):
    kind: DeadlineKind
    due_at: AwareDatetime
    details: dict[str, Any] = Field(default_factory=dict)


class EscalationWithdrawn(EscalationEvent):
    """Started by mistake (a misread payload, a wrong manual start): withdrawn
    while active, before any monitoring. Final; nothing is deleted."""

    reason: Text


class TitleCorrection(Frozen):
    old: Text
    new: Text


class PriorityCorrection(Frozen):
    old: Priority | None
    new: Priority


class CustomerCorrection(Frozen):
    old: Customer | None
    new: Customer


class ServiceCorrection(Frozen):
    old: Name | None
    new: Name


class EscalationDetailsCorrected(EscalationEvent):
    """Details that were wrong, corrected: each changed field with its old and
    new value (a field left out did not change). Nothing earlier is rewritten."""

    reason: Text
    title: TitleCorrection | None = None
    priority: PriorityCorrection | None = None
    customer: CustomerCorrection | None = None
    service: ServiceCorrection | None = None


# What a customer contact does on their own page: each act is an event whose
# actor is that contact, with the plan version it refers to.
CustomerWords = Annotated[str, Field(min_length=1, max_length=2_000)]


class CustomerActEvent(EscalationEvent):
    contact: CustomerContact
    at: AwareDatetime
    plan_version: int | None = Field(default=None, ge=1)
    # The act came through a link someone issued by hand ("role:name", e.g.
    # "operator:olivia"), not one mailed to the contact: whoever holds such a
    # link can act in the customer's name. Absent for mailed links.
    via_link_issued_by: str | None = Field(default=None, max_length=200)


class CustomerAgreedToPlan(CustomerActEvent):
    comment: CustomerWords | None = None


class CustomerDeclinedPlan(CustomerActEvent):
    comment: CustomerWords


class CustomerConfirmedResolution(CustomerActEvent):
    comment: CustomerWords | None = None


class CustomerReportedRecurrence(CustomerActEvent):
    """Followed in the same append by the EscalationReopened it causes."""

    note: CustomerWords


class CustomerAgreedToClosure(CustomerActEvent):
    comment: CustomerWords | None = None


class CustomerAskedForLink(EscalationEvent):
    """A customer contact whose link no longer opened their page asked for a new
    one. The notifier mails it to them alone; no link is ever shown on a page."""

    contact: CustomerContact
    at: AwareDatetime


CUSTOMER_ACTS: tuple[type[CustomerActEvent], ...] = (
    CustomerAgreedToPlan,
    CustomerDeclinedPlan,
    CustomerConfirmedResolution,
    CustomerReportedRecurrence,
    CustomerAgreedToClosure,
)
