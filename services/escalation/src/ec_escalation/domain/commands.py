"""What can be asked of an escalation: one command per row of the contract's
command table, and the requests the monitor and the intake make."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

from ec_events.base import (
    Contact,
    Customer,
    Person,
    PlanAction,
    PlatformRecord,
    Priority,
    TeamMember,
)
from ec_events.escalations import (
    CustomerAgreement,
    CustomerContact,
    IncidentRecord,
    ProblemManagementInput,
    RecordKind,
)


@dataclass(frozen=True)
class StartEscalation:
    trigger: Literal["automatic", "manual"]
    reason: str
    title: str
    incident_ids: tuple[UUID, ...] = ()
    priority: Priority | None = None
    customer: Customer | None = None
    service: str | None = None
    criteria: tuple[str, ...] = ()
    criteria_version: str | None = None
    # The platform records of `incident_ids` that have one, as the adapter read them.
    incident_records: tuple[IncidentRecord, ...] = ()


@dataclass(frozen=True)
class AssignManager:
    manager: Person


@dataclass(frozen=True)
class LinkRecord:
    kind: RecordKind
    ref: str
    # The record on its platform: given for a problem record the review
    # produced, read by the adapter for an incident linked by its id.
    platform_record: PlatformRecord | None = None


@dataclass(frozen=True)
class AssignTeam:
    members: tuple[TeamMember, ...]


@dataclass(frozen=True)
class SetContacts:
    provider: tuple[Contact, ...] = ()
    customer: tuple[Contact, ...] = ()


@dataclass(frozen=True)
class AssessSituation:
    summary: str
    impact: str
    risk: str
    affected_services: tuple[str, ...] = ()
    affected_customers: tuple[str, ...] = ()
    known: str | None = None
    unknown: str | None = None


@dataclass(frozen=True)
class RevisePlan:
    actions: tuple[PlanAction, ...]
    customer_agreed: bool
    reason: str
    review_by: datetime
    resources: tuple[str, ...] = ()
    # The customer agrees on their own page; an operator's `customer_agreed`
    # stands only as an override, with its reason.
    agreement_override_reason: str | None = None


@dataclass(frozen=True)
class RaiseLevel:
    level: int
    reason: str


@dataclass(frozen=True)
class ReportProgress:
    note: str
    next_update_due: datetime


@dataclass(frozen=True)
class Resolve:
    customer_confirmed: bool
    monitoring_period: timedelta
    # Without the customer's confirmation of record, the operator's reason.
    override_reason: str | None = None


@dataclass(frozen=True)
class ReportRecurrence:
    note: str
    incident_id: UUID | None = None
    # The platform record of `incident_id`, if it has one.
    platform_record: PlatformRecord | None = None


@dataclass(frozen=True)
class Close:
    # Without the customer's agreement of record: who agreed, as the operator
    # recorded it, and the reason for overriding.
    customer_agreement: CustomerAgreement | None = None
    override_reason: str | None = None


@dataclass(frozen=True)
class Review:
    findings: str
    problem_management_inputs: tuple[ProblemManagementInput, ...] = field(default=())


@dataclass(frozen=True)
class Withdraw:
    reason: str


@dataclass(frozen=True)
class CorrectDetails:
    """The details as they should be; a field left None is not being corrected."""

    reason: str
    title: str | None = None
    priority: Priority | None = None
    customer: Customer | None = None
    service: str | None = None


# A customer contact's acts on their own page, each naming the contact.
@dataclass(frozen=True)
class AgreeToPlan:
    contact: CustomerContact
    plan_version: int
    comment: str | None = None
    # Who issued the link it came through, when not the mail (an operator).
    via_link_issued_by: str | None = None


@dataclass(frozen=True)
class DeclinePlan:
    contact: CustomerContact
    plan_version: int
    comment: str
    # Who issued the link it came through, when not the mail (an operator).
    via_link_issued_by: str | None = None


@dataclass(frozen=True)
class ConfirmResolution:
    contact: CustomerContact
    comment: str | None = None
    # Who issued the link it came through, when not the mail (an operator).
    via_link_issued_by: str | None = None


@dataclass(frozen=True)
class ReportRecurrenceAsCustomer:
    contact: CustomerContact
    note: str
    # Who issued the link it came through, when not the mail (an operator).
    via_link_issued_by: str | None = None


@dataclass(frozen=True)
class AgreeToClosure:
    contact: CustomerContact
    comment: str | None = None
    # Who issued the link it came through, when not the mail (an operator).
    via_link_issued_by: str | None = None


@dataclass(frozen=True)
class AskForLink:
    contact: CustomerContact


CustomerCommand = (
    AgreeToPlan
    | DeclinePlan
    | ConfirmResolution
    | ReportRecurrenceAsCustomer
    | AgreeToClosure
    | AskForLink
)


# Requests from the monitor: each names the round, version or level it was
# derived from, and does nothing when the escalation has moved on since.
@dataclass(frozen=True)
class PassMonitoring:
    round: int


@dataclass(frozen=True)
class RecordMissedPlanReview:
    plan_version: int
    due_at: datetime


@dataclass(frozen=True)
class RecordMissedProgressUpdate:
    since_version: int
    due_at: datetime


@dataclass(frozen=True)
class RaiseAutomatically:
    from_level: int
    to_level: int
    reason: str


Command = (
    StartEscalation
    | AssignManager
    | LinkRecord
    | AssignTeam
    | SetContacts
    | AssessSituation
    | RevisePlan
    | RaiseLevel
    | ReportProgress
    | Resolve
    | ReportRecurrence
    | Close
    | Review
    | Withdraw
    | CorrectDetails
    | PassMonitoring
    | RecordMissedPlanReview
    | RecordMissedProgressUpdate
    | RaiseAutomatically
    | CustomerCommand
)
