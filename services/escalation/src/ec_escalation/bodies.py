"""The command bodies the HTTP routes accept, and the command each one is
(built by keyword: two strings can never swap places silently)."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from ec_escalation import commands as c
from ec_escalation.manual_start import ManualStart
from ec_events.base import (
    AwareDatetime,
    Contact,
    Customer,
    Name,
    Person,
    PlanAction,
    Priority,
    TeamMember,
    Text,
)
from ec_events.escalations import CustomerAgreement, ProblemManagementInput, RecordKind


class Body(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CommandBody(Body):
    def command(self) -> c.Command:
        raise NotImplementedError


class StartBody(Body):
    incident_ids: list[UUID] = Field(default_factory=list, max_length=100)
    reason: Text
    title: Text | None = None
    priority: Priority | None = None
    customer: Customer | None = None
    service: Name | None = None

    def request(self) -> ManualStart:
        return ManualStart(
            reason=self.reason,
            incident_ids=tuple(self.incident_ids),
            title=self.title,
            priority=self.priority,
            customer=self.customer,
            service=self.service,
        )


class ManagerBody(CommandBody):
    manager: Person

    def command(self) -> c.AssignManager:
        return c.AssignManager(manager=self.manager)


class LinkBody(CommandBody):
    kind: RecordKind
    ref: Name

    def command(self) -> c.LinkRecord:
        return c.LinkRecord(kind=self.kind, ref=self.ref)


class TeamBody(CommandBody):
    members: list[TeamMember] = Field(min_length=1, max_length=200)

    def command(self) -> c.AssignTeam:
        return c.AssignTeam(members=tuple(self.members))


class ContactsBody(CommandBody):
    provider: list[Contact] = Field(default_factory=list, max_length=200)
    customer: list[Contact] = Field(default_factory=list, max_length=200)

    def command(self) -> c.SetContacts:
        return c.SetContacts(provider=tuple(self.provider), customer=tuple(self.customer))


class AssessmentBody(CommandBody):
    summary: Text
    impact: Text
    risk: Text
    affected_services: list[Name] = Field(default_factory=list)
    affected_customers: list[Name] = Field(default_factory=list)
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


class PlanBody(CommandBody):
    actions: list[PlanAction] = Field(min_length=1, max_length=500)
    resources: list[Text] = Field(default_factory=list)
    customer_agreed: bool
    reason: Text
    review_by: AwareDatetime

    def command(self) -> c.RevisePlan:
        return c.RevisePlan(
            actions=tuple(self.actions),
            resources=tuple(self.resources),
            customer_agreed=self.customer_agreed,
            reason=self.reason,
            review_by=self.review_by,
        )


class LevelBody(CommandBody):
    level: int = Field(ge=2, le=99)
    reason: Text

    def command(self) -> c.RaiseLevel:
        return c.RaiseLevel(level=self.level, reason=self.reason)


class ProgressBody(CommandBody):
    note: Text
    next_update_due: AwareDatetime

    def command(self) -> c.ReportProgress:
        return c.ReportProgress(note=self.note, next_update_due=self.next_update_due)


class ResolutionBody(CommandBody):
    customer_confirmed: bool
    monitoring_period: timedelta = Field(description="ISO 8601 duration, e.g. PT72H or P3D")

    def command(self) -> c.Resolve:
        return c.Resolve(
            customer_confirmed=self.customer_confirmed, monitoring_period=self.monitoring_period
        )


class RecurrenceBody(CommandBody):
    note: Text

    def command(self) -> c.ReportRecurrence:
        return c.ReportRecurrence(note=self.note)


class ClosureBody(CommandBody):
    customer_agreement: CustomerAgreement

    def command(self) -> c.Close:
        return c.Close(customer_agreement=self.customer_agreement)


class ReviewBody(CommandBody):
    findings: Text
    problem_management_inputs: list[ProblemManagementInput] = Field(default_factory=list)

    def command(self) -> c.Review:
        return c.Review(
            findings=self.findings,
            problem_management_inputs=tuple(self.problem_management_inputs),
        )
