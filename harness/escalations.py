"""Builders for the escalation's pure domain: commands with plausible content, and
escalations taken through the process by decide and evolve, as the stream would hold them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from ec_escalation.domain import commands as c
from ec_escalation.domain.decide import decide
from ec_escalation.domain.measures import Trail, trail_of
from ec_escalation.domain.state import Escalation, evolve, fold
from ec_events.base import Contact, Customer, Event, Person, PlanAction, TeamMember
from ec_events.escalations import CustomerAgreement, CustomerContact, ProblemManagementInput

# The tests' clock: every time is relative to it.
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

MANAGER = Person(id="u-117", name="Dana Okafor", email="dana@provider.example")
OTHER_MANAGER = Person(id="u-118", name="Ravi Menon", email="ravi@provider.example")
INCIDENT_OWNER = TeamMember(
    id="u-201", name="Lee Park", email="lee@provider.example", role="incident owner"
)
PROBLEM_OWNER = TeamMember(
    id="u-305", name="Ana Ruiz", email="ana@provider.example", role="problem owner"
)
PROVIDER_CONTACT = Contact(name="Sam Patel", email="sam@provider.example")
CUSTOMER_CONTACT = Contact(
    name="Jo Meyer", email="jo@customer.example", channel="webhook", address="https://c.example/h"
)
# The customer contact acting on their own page.
JO = CustomerContact(name=CUSTOMER_CONTACT.name, email=CUSTOMER_CONTACT.email)


def start(**overrides: Any) -> c.StartEscalation:
    fields: dict[str, Any] = {
        "trigger": "automatic",
        "reason": "escalation criteria met: p1",
        "title": "Payment gateway returns 502 for all EU merchants",
        "incident_ids": (uuid.uuid4(),),
        "priority": "P1",
        "customer": Customer(id=f"cust-{uuid.uuid4().hex[:6]}", name="Northwind", tier="gold"),
        "service": "payments-eu",
        "criteria": ("p1",),
        "criteria_version": "default-1",
    }
    return c.StartEscalation(**{**fields, **overrides})


def action(*, due: datetime | None = None) -> PlanAction:
    return PlanAction(
        title="Restore the previous certificate chain",
        owner="Lee Park",
        due=due or NOW + timedelta(hours=2),
    )


def plan(*, review_by: datetime | None = None, reason: str = "first plan") -> c.RevisePlan:
    """A plan the customer has yet to agree to on their page."""
    return c.RevisePlan(
        actions=(action(),),
        customer_agreed=False,
        reason=reason,
        review_by=review_by or NOW + timedelta(hours=4),
        resources=("two network engineers",),
    )


def agreed_plan(*, review_by: datetime | None = None) -> c.RevisePlan:
    """A plan the operator marks agreed, as an override with its reason."""
    return replace(
        plan(review_by=review_by, reason="agreed on the bridge call"),
        customer_agreed=True,
        agreement_override_reason="the customer agreed on the bridge call",
    )


def progress(*, next_update_due: datetime | None = None) -> c.ReportProgress:
    return c.ReportProgress(
        note="3 of 5 gateways restored", next_update_due=next_update_due or NOW + timedelta(hours=1)
    )


def resolve_on_record(period: timedelta = timedelta(hours=24)) -> c.Resolve:
    """Resolve on the customer's confirmation of record (see `confirmed_by_customer`)."""
    return c.Resolve(customer_confirmed=True, monitoring_period=period)


def resolve(period: timedelta = timedelta(hours=24)) -> c.Resolve:
    """The operator's override: it stands when the customer has not confirmed."""
    return c.Resolve(
        customer_confirmed=True,
        monitoring_period=period,
        override_reason="the customer confirmed on the phone",
    )


def close_on_record() -> c.Close:
    """Close on the customer's agreement of record (see `agreed_to_closure`)."""
    return c.Close()


def close() -> c.Close:
    """The operator's override: it stands when the customer has not agreed."""
    return c.Close(
        customer_agreement=CustomerAgreement(by="Jo Meyer", note="agreed on the call"),
        override_reason="the customer has no access to their page",
    )


def customer_contacts() -> c.SetContacts:
    return c.SetContacts(provider=(PROVIDER_CONTACT,), customer=(CUSTOMER_CONTACT,))


def confirmed_by_customer() -> tuple[c.Command, ...]:
    """The customer contact set, and confirming on their page that it is resolved."""
    return (customer_contacts(), c.ConfirmResolution(contact=JO, comment="all good"))


def agreed_to_closure() -> c.AgreeToClosure:
    return c.AgreeToClosure(contact=JO, comment="stable for a day")


def review() -> c.Review:
    return c.Review(
        findings="certificate rotation lacked a canary",
        problem_management_inputs=(
            ProblemManagementInput(kind="update_problem", description="add a canary", ref="PRB1"),
        ),
    )


@dataclass
class History:
    """One escalation's stream: `given` records commands' events, `when` only decides."""

    id: UUID = field(default_factory=uuid.uuid4)
    now: datetime = NOW
    events: list[Event] = field(default_factory=list)
    state: Escalation | None = None

    def when(self, command: c.Command, *, at: datetime | None = None) -> list[Event]:
        return decide(self.state, command, escalation_id=self.id, now=at or self.now)

    def given(self, *commands: c.Command, at: datetime | None = None) -> History:
        for command in commands:
            new = self.when(command, at=at)
            self.state = fold(new, self.state)
            self.events.extend(new)
        return self

    def evolved(self, *events: Event) -> Escalation:
        """The state these events would lead to, without recording them."""
        state = self.state
        for event in events:
            state = evolve(state, event)
        assert state is not None
        return state

    @property
    def current(self) -> Escalation:
        assert self.state is not None, "the escalation has not started"
        return self.state


@dataclass
class Told:
    """A history whose events carry the moment each command was given."""

    history: History = field(default_factory=History)
    timed: list[tuple[Event, datetime]] = field(default_factory=list)

    def at(self, moment: datetime, *commands: c.Command) -> Told:
        for command in commands:
            new = self.history.when(command, at=moment)
            self.history.state = fold(new, self.history.state)
            self.timed.extend((event, moment) for event in new)
        return self

    @property
    def trail(self) -> Trail:
        trail = trail_of(self.timed)
        assert trail is not None
        return trail


def started(**overrides: Any) -> History:
    return History().given(start(**overrides))


def managed() -> History:
    return started().given(c.AssignManager(manager=MANAGER))


def in_monitoring(period: timedelta = timedelta(hours=24)) -> History:
    return managed().given(*confirmed_by_customer(), resolve_on_record(period))


def monitoring_passed() -> History:
    history = in_monitoring()
    return history.given(c.PassMonitoring(round=history.current.monitoring_round))


def closed() -> History:
    return monitoring_passed().given(agreed_to_closure(), close_on_record())


def reviewed() -> History:
    return closed().given(review())


def withdrawn() -> History:
    return managed().given(c.Withdraw(reason="started from a misread payload"))


OPEN = frozenset({"active", "monitoring", "monitoring_passed"})
WORKING = frozenset({"active", "monitoring"})

# The statuses in which each operator command is accepted (PROCESS.md); in any
# other it is refused as not allowed.
ACCEPTED_IN: dict[type, frozenset[str]] = {
    c.AssignManager: OPEN,
    c.LinkRecord: OPEN | {"closed"},
    c.AssignTeam: OPEN,
    c.SetContacts: OPEN,
    c.AssessSituation: OPEN,
    c.RevisePlan: WORKING,
    c.RaiseLevel: WORKING,
    c.ReportProgress: WORKING,
    c.Resolve: frozenset({"active"}),
    c.ReportRecurrence: frozenset({"monitoring", "monitoring_passed"}),
    c.Close: frozenset({"monitoring_passed"}),
    c.Review: frozenset({"closed"}),
    c.Withdraw: frozenset({"active"}),
    c.CorrectDetails: OPEN | {"closed"},
}


def accepted_in(command: c.Command) -> frozenset[str]:
    """ACCEPTED_IN for this command: a problem record, which the review
    produces, is also linked after it."""
    if isinstance(command, c.LinkRecord) and command.kind == "problem":
        return ACCEPTED_IN[c.LinkRecord] | {"reviewed"}
    return ACCEPTED_IN[type(command)]


# The statuses in which each of the monitor's requests can record anything; in
# any other it changes nothing (and is never refused: the escalation moved on).
ACTS_IN: dict[type, frozenset[str]] = {
    c.PassMonitoring: frozenset({"monitoring"}),
    c.RecordMissedPlanReview: WORKING,
    c.RecordMissedProgressUpdate: WORKING,
    c.RaiseAutomatically: frozenset({"active"}),
}

# The arrows of PROCESS.md's state diagram; every other change of status is wrong.
ARROWS = frozenset(
    {
        ("active", "monitoring"),
        ("monitoring", "active"),
        ("monitoring", "monitoring_passed"),
        ("monitoring_passed", "active"),
        ("monitoring_passed", "closed"),
        ("closed", "reviewed"),
        ("active", "withdrawn"),
    }
)
STATUSES = ("active", "monitoring", "monitoring_passed", "closed", "reviewed", "withdrawn")
# Nothing leaves these.
FINAL = frozenset({"reviewed", "withdrawn"})

# An escalation in each status of the process (the active one has a manager).
AT_STATUS = {
    "active": managed,
    "monitoring": in_monitoring,
    "monitoring_passed": monitoring_passed,
    "closed": closed,
    "reviewed": reviewed,
    "withdrawn": withdrawn,
}


def at_status(status: str) -> History:
    history = AT_STATUS[status]()
    assert history.current.status == status
    return history


# The events of the whole process, as tests/support/lifecycle.py drives it
# through HTTP and the domain tests through decide: one list for both.
WHOLE_LIFECYCLE = [
    "EscalationStarted",
    "EscalationManagerAssigned",
    "RecordLinked",
    "RecordLinked",
    "EscalationTeamAssigned",
    "CommunicationContactsSet",
    "SituationAssessed",
    "PlanRevised",
    "PlanRevised",
    "EscalationLevelRaised",
    "ProgressReported",
    "MonitoringStarted",
    "EscalationReopened",
    "MonitoringStarted",
    "MonitoringPassed",
    "EscalationClosed",
    "EscalationReviewed",
]
