"""The command bodies the HTTP routes accept, and the command each one is
(built by keyword: two strings can never swap places silently).

Whatever a body carries is kept forever in the event store, so every list and
every text has a maximum (README, "Limits"): texts 10,000 characters, names and
references 200, and the list lengths below."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from ec_escalation.domain import commands as c
from ec_escalation.domain.manual_start import ManualStart
from ec_events.base import (
    ChannelKind,
    Contact,
    Customer,
    Email,
    Name,
    Person,
    PlanAction,
    Priority,
    TeamMember,
    Text,
)
from ec_events.escalations import CustomerAgreement, ProblemManagementInput, RecordKind
from ec_events.record_ids import CheckedPlatformRecord
from ec_platform.inputs import Instant

MAX_INCIDENTS = 100
MAX_LEVEL = 99
MAX_TEAM = 200
MAX_CONTACTS = 200
MAX_ADDRESS = 2_000
MAX_AFFECTED_SERVICES = 200
MAX_AFFECTED_CUSTOMERS = 1_000
MAX_ACTIONS = 500
MAX_RESOURCES = 100
MAX_PROBLEM_INPUTS = 100

# ISO 8601 durations only (PT72H, P3D, PT5S): a bare number would be a guess at the unit.
_ISO_DURATION = re.compile(
    r"P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+(\.\d+)?D)?"
    r"(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?"
)


def _iso_8601_duration(value: object) -> object:
    if isinstance(value, str) and len(value) <= 40 and _ISO_DURATION.fullmatch(value):
        return value
    raise ValueError("must be an ISO 8601 duration string, such as PT72H or P3D")


IsoDuration = Annotated[timedelta, BeforeValidator(_iso_8601_duration)]


class Body(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ContactIn(Body):
    """A contact as a body gives it (the stored Contact, with its address bounded)."""

    name: Name
    email: Email
    channel: ChannelKind = "email"
    address: Annotated[str, Field(min_length=1, max_length=MAX_ADDRESS)] | None = Field(
        default=None, description="where chat or webhook messages go"
    )

    def contact(self) -> Contact:
        return Contact(name=self.name, email=self.email, channel=self.channel, address=self.address)


class CommandBody(Body):
    def command(self) -> c.Command:
        raise NotImplementedError


class StartBody(Body):
    incident_ids: list[UUID] = Field(default_factory=list, max_length=MAX_INCIDENTS)
    reason: Text
    title: Text | None = None
    priority: Priority | None = None
    customer: Customer | None = None
    service: Name | None = None
    incidents_known_elsewhere: bool = Field(
        default=False,
        description="the incidents exist in an ITSM platform this service has not heard "
        "from; `title` and `customer` are then required",
    )

    def request(self) -> ManualStart:
        return ManualStart(
            reason=self.reason,
            incident_ids=tuple(self.incident_ids),
            title=self.title,
            priority=self.priority,
            customer=self.customer,
            service=self.service,
            incidents_known_elsewhere=self.incidents_known_elsewhere,
        )


class ManagerBody(CommandBody):
    manager: Person

    def command(self) -> c.AssignManager:
        return c.AssignManager(manager=self.manager)


class LinkBody(CommandBody):
    kind: RecordKind
    ref: Name
    # Checked against its platform's form: the notifier writes back to it.
    platform_record: CheckedPlatformRecord | None = Field(
        default=None,
        description="the record on its ITSM platform, as its API addresses it (a problem "
        "record created from the review: ServiceNow sys_id and number, Jira issue key); for "
        "an incident linked by its Escalation Center id, the service fills in the one it knows",
    )

    def command(self) -> c.LinkRecord:
        return c.LinkRecord(kind=self.kind, ref=self.ref, platform_record=self.platform_record)


class TeamBody(CommandBody):
    members: list[TeamMember] = Field(min_length=1, max_length=MAX_TEAM)

    def command(self) -> c.AssignTeam:
        return c.AssignTeam(members=tuple(self.members))


class ContactsBody(CommandBody):
    provider: list[ContactIn] = Field(default_factory=list, max_length=MAX_CONTACTS)
    customer: list[ContactIn] = Field(default_factory=list, max_length=MAX_CONTACTS)

    def command(self) -> c.SetContacts:
        return c.SetContacts(
            provider=tuple(x.contact() for x in self.provider),
            customer=tuple(x.contact() for x in self.customer),
        )


class AssessmentBody(CommandBody):
    summary: Text
    impact: Text
    risk: Text
    affected_services: list[Name] = Field(default_factory=list, max_length=MAX_AFFECTED_SERVICES)
    affected_customers: list[Name] = Field(default_factory=list, max_length=MAX_AFFECTED_CUSTOMERS)
    known: Text | None = None
    unknown: Text | None = None

    def command(self) -> c.AssessSituation:
        return c.AssessSituation(
            summary=self.summary,
            impact=self.impact,
            risk=self.risk,
            affected_services=tuple(self.affected_services),
            affected_customers=tuple(self.affected_customers),
            known=self.known,
            unknown=self.unknown,
        )


class PlanActionIn(PlanAction):
    # The event's field takes any aware datetime; what a client sends is held
    # to the range every other time in the API is.
    due: Instant


class PlanBody(CommandBody):
    actions: list[PlanActionIn] = Field(min_length=1, max_length=MAX_ACTIONS)
    resources: list[Text] = Field(default_factory=list, max_length=MAX_RESOURCES)
    customer_agreed: bool = Field(
        default=False,
        description="the customer agrees on their own page; true here is an operator's "
        "override and needs `override_reason`",
    )
    reason: Text
    review_by: Instant
    override_reason: Text | None = None

    def command(self) -> c.RevisePlan:
        return c.RevisePlan(
            actions=tuple(self.actions),
            resources=tuple(self.resources),
            customer_agreed=self.customer_agreed,
            reason=self.reason,
            review_by=self.review_by,
            agreement_override_reason=self.override_reason,
        )


class LevelBody(CommandBody):
    level: int = Field(ge=2, le=MAX_LEVEL)
    reason: Text

    def command(self) -> c.RaiseLevel:
        return c.RaiseLevel(level=self.level, reason=self.reason)


class ProgressBody(CommandBody):
    note: Text
    next_update_due: Instant

    def command(self) -> c.ReportProgress:
        return c.ReportProgress(note=self.note, next_update_due=self.next_update_due)


class ResolutionBody(CommandBody):
    customer_confirmed: bool
    monitoring_period: IsoDuration = Field(
        description="ISO 8601 duration, e.g. PT72H or P3D; at most 366 days"
    )

    override_reason: Text | None = Field(
        default=None,
        description="needed when the customer has not confirmed the resolution on their page",
    )

    def command(self) -> c.Resolve:
        return c.Resolve(
            customer_confirmed=self.customer_confirmed,
            monitoring_period=self.monitoring_period,
            override_reason=self.override_reason,
        )


class RecurrenceBody(CommandBody):
    note: Text

    def command(self) -> c.ReportRecurrence:
        return c.ReportRecurrence(note=self.note)


class ClosureBody(CommandBody):
    customer_agreement: CustomerAgreement | None = Field(
        default=None,
        description="who agreed, as the operator records it: only with `override_reason`, "
        "when the customer has not agreed to closure on their page",
    )
    override_reason: Text | None = None

    def command(self) -> c.Close:
        return c.Close(
            customer_agreement=self.customer_agreement, override_reason=self.override_reason
        )


class ReviewBody(CommandBody):
    findings: Text
    problem_management_inputs: list[ProblemManagementInput] = Field(
        default_factory=list, max_length=MAX_PROBLEM_INPUTS
    )

    def command(self) -> c.Review:
        return c.Review(
            findings=self.findings,
            problem_management_inputs=tuple(self.problem_management_inputs),
        )


class WithdrawalBody(CommandBody):
    reason: Text = Field(description="why it was started by mistake")

    def command(self) -> c.Withdraw:
        return c.Withdraw(reason=self.reason)


class CorrectionBody(CommandBody):
    """The details as they should be: name only those to correct."""

    reason: Text
    title: Text | None = None
    priority: Priority | None = None
    customer: Customer | None = None
    service: Name | None = None

    def command(self) -> c.CorrectDetails:
        return c.CorrectDetails(
            reason=self.reason,
            title=self.title,
            priority=self.priority,
            customer=self.customer,
            service=self.service,
        )
