"""What a customer contact may do on their own page, and the rules for it. Pure.

Each act is refused unless the contact is one of the escalation's customer
contacts now: removing a contact ends what their link can do."""

from __future__ import annotations

from datetime import datetime, timedelta

from ec_escalation.domain import commands as c
from ec_escalation.domain.errors import NotAllowed, require
from ec_escalation.domain.state import Escalation
from ec_events import escalations as e
from ec_events.base import Event

WORKING = frozenset({"active", "monitoring"})
# A contact gets at most one new link by mail in this time, however often the
# old link's holder asks: asking must not become a way to flood their mailbox.
LINK_ASKED_AGAIN_AFTER = timedelta(hours=1)


def _require_contact(s: Escalation, contact: e.CustomerContact) -> None:
    if not any(x.email.lower() == contact.email.lower() for x in s.customer_contacts):
        raise NotAllowed(f"{contact.email} is not a customer contact of this escalation")


def _require_current_plan(s: Escalation, plan_version: int) -> None:
    current = s.plan.plan_version if s.plan else None
    if current != plan_version:
        raise NotAllowed(
            f"plan version {plan_version} is not the current plan (the current one is {current})"
        )


def agree_to_plan(s: Escalation, cmd: c.AgreeToPlan, now: datetime) -> list[Event]:
    require(s.status, WORKING, "agree to the plan", "plans are agreed while it is worked on")
    _require_contact(s, cmd.contact)
    _require_current_plan(s, cmd.plan_version)
    return [
        e.CustomerAgreedToPlan(
            escalation_id=s.id,
            contact=cmd.contact,
            at=now,
            plan_version=cmd.plan_version,
            comment=cmd.comment,
            via_link_issued_by=cmd.via_link_issued_by,
        )
    ]


def decline_plan(s: Escalation, cmd: c.DeclinePlan, now: datetime) -> list[Event]:
    require(s.status, WORKING, "decline the plan", "plans are agreed while it is worked on")
    _require_contact(s, cmd.contact)
    _require_current_plan(s, cmd.plan_version)
    return [
        e.CustomerDeclinedPlan(
            escalation_id=s.id,
            contact=cmd.contact,
            at=now,
            plan_version=cmd.plan_version,
            comment=cmd.comment,
            via_link_issued_by=cmd.via_link_issued_by,
        )
    ]


def confirm_resolution(s: Escalation, cmd: c.ConfirmResolution, now: datetime) -> list[Event]:
    require(
        s.status,
        frozenset({"active"}),
        "confirm the resolution",
        "only an active escalation is resolved",
    )
    _require_contact(s, cmd.contact)
    return [
        e.CustomerConfirmedResolution(
            escalation_id=s.id,
            contact=cmd.contact,
            at=now,
            plan_version=s.plan.plan_version if s.plan else None,
            via_link_issued_by=cmd.via_link_issued_by,
            comment=cmd.comment,
        )
    ]


def report_recurrence(
    s: Escalation, cmd: c.ReportRecurrenceAsCustomer, now: datetime
) -> list[Event]:
    require(
        s.status,
        frozenset({"monitoring", "monitoring_passed"}),
        "report a recurrence",
        "a recurrence reopens a resolved escalation that is not closed yet",
    )
    _require_contact(s, cmd.contact)
    return [
        e.CustomerReportedRecurrence(
            escalation_id=s.id,
            contact=cmd.contact,
            at=now,
            plan_version=s.plan.plan_version if s.plan else None,
            via_link_issued_by=cmd.via_link_issued_by,
            note=cmd.note,
        ),
        e.EscalationReopened(
            escalation_id=s.id,
            round=s.monitoring_round,
            note=f"reported by the customer ({cmd.contact.name}): {cmd.note}",
        ),
    ]


def agree_to_closure(s: Escalation, cmd: c.AgreeToClosure, now: datetime) -> list[Event]:
    require(
        s.status,
        frozenset({"monitoring", "monitoring_passed"}),
        "agree to closure",
        "closure is agreed once it is resolved",
    )
    _require_contact(s, cmd.contact)
    return [
        e.CustomerAgreedToClosure(
            escalation_id=s.id,
            contact=cmd.contact,
            at=now,
            plan_version=s.plan.plan_version if s.plan else None,
            via_link_issued_by=cmd.via_link_issued_by,
            comment=cmd.comment,
        )
    ]


def ask_for_link(s: Escalation, cmd: c.AskForLink, now: datetime) -> list[Event]:
    """Whether the link may still be honoured (not expired) is the caller's
    check; here: still a contact, and not asked within the last hour."""
    _require_contact(s, cmd.contact)
    asked = dict(s.links_asked_at).get(cmd.contact.email.lower())
    if asked is not None and now < asked + LINK_ASKED_AGAIN_AFTER:
        raise NotAllowed(f"a new link was sent to {cmd.contact.email} less than an hour ago")
    return [e.CustomerAskedForLink(escalation_id=s.id, contact=cmd.contact, at=now)]
