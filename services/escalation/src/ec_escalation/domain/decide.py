"""decide(state, command) -> events: every rule of the escalation process. Pure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from ec_escalation.domain import commands as c
from ec_escalation.domain import customer_acts, mistakes
from ec_escalation.domain.errors import InvalidCommand, NotAllowed, NotFound, require
from ec_escalation.domain.state import OPEN_STATUSES, Escalation
from ec_events import escalations as e
from ec_events.base import Event

WORKING = frozenset({"active", "monitoring"})
# Monitoring lasts hours to days; a year is far beyond any agreement, and the
# limit keeps absurd durations from overflowing the calendar.
LONGEST_MONITORING = timedelta(days=366)
# Deadlines and due dates are kept forever and drive timers: one further
# ahead than a year is a typing error (year 9999), not a plan.
FURTHEST_AHEAD = timedelta(days=366)
LINKABLE = OPEN_STATUSES | {"closed"}


def decide(
    state: Escalation | None, command: c.Command, *, escalation_id: UUID, now: datetime
) -> list[Event]:
    if isinstance(command, c.StartEscalation):
        if state is not None:
            raise NotAllowed(f"escalation {escalation_id} already exists")
        return [_start(escalation_id, command, now)]
    if state is None:
        raise NotFound(f"no escalation {escalation_id}")
    rule = _RULES[type(command)]
    return rule(state, command, now)


def _start(escalation_id: UUID, command: c.StartEscalation, now: datetime) -> Event:
    return e.EscalationStarted(
        escalation_id=escalation_id,
        trigger=command.trigger,
        reason=command.reason,
        incident_ids=command.incident_ids,
        title=command.title,
        priority=command.priority,
        customer=command.customer,
        service=command.service,
        criteria=command.criteria,
        criteria_version=command.criteria_version,
        started_at=now,
        incident_records=tuple(
            r for r in command.incident_records if r.incident_id in command.incident_ids
        ),
    )


def _require(state: Escalation, allowed: frozenset[str], action: str, needs: str) -> None:
    require(state.status, allowed, action, needs)


def _assign_manager(s: Escalation, cmd: c.AssignManager, now: datetime) -> list[Event]:
    _require(s, OPEN_STATUSES, "assign a manager", "it must be open")
    if s.manager == cmd.manager:
        return []
    return [
        e.EscalationManagerAssigned(
            escalation_id=s.id,
            manager=cmd.manager,
            previous_manager_id=s.manager.id if s.manager else None,
        )
    ]


def _link(s: Escalation, cmd: c.LinkRecord, now: datetime) -> list[Event]:
    if cmd.kind == "problem":
        # The review's problem-management inputs become problem records after it.
        _require(
            s, LINKABLE | {"reviewed"}, "link a problem", "problems can be linked unless withdrawn"
        )
    else:
        _require(s, LINKABLE, "link a record", "records can be linked until the review")
    ref = _canonical_ref(cmd.kind, cmd.ref)
    if any(link.kind == cmd.kind and link.ref == ref for link in s.links):
        return []
    return [
        e.RecordLinked(
            escalation_id=s.id, kind=cmd.kind, ref=ref, platform_record=cmd.platform_record
        )
    ]


def _canonical_ref(kind: str, ref: str) -> str:
    # An incident linked by its Escalation Center id is one link however it is spelled.
    if kind != "incident":
        return ref
    try:
        return str(UUID(ref))
    except ValueError:
        return ref


def _assign_team(s: Escalation, cmd: c.AssignTeam, now: datetime) -> list[Event]:
    _require(s, OPEN_STATUSES, "appoint the team", "it must be open")
    if not cmd.members:
        raise InvalidCommand("members: a team needs at least one member")
    if s.team == cmd.members:
        return []
    return [e.EscalationTeamAssigned(escalation_id=s.id, members=cmd.members)]


def _set_contacts(s: Escalation, cmd: c.SetContacts, now: datetime) -> list[Event]:
    _require(s, OPEN_STATUSES, "set the communication contacts", "it must be open")
    if (s.provider_contacts, s.customer_contacts) == (cmd.provider, cmd.customer):
        return []
    return [
        e.CommunicationContactsSet(escalation_id=s.id, provider=cmd.provider, customer=cmd.customer)
    ]


def _assess(s: Escalation, cmd: c.AssessSituation, now: datetime) -> list[Event]:
    _require(s, OPEN_STATUSES, "record an assessment", "it must be open")
    return [
        e.SituationAssessed(
            escalation_id=s.id,
            summary=cmd.summary,
            impact=cmd.impact,
            risk=cmd.risk,
            affected_services=cmd.affected_services,
            affected_customers=cmd.affected_customers,
            known=cmd.known,
            unknown=cmd.unknown,
        )
    ]


def _revise_plan(s: Escalation, cmd: c.RevisePlan, now: datetime) -> list[Event]:
    _require(s, WORKING, "revise the plan", "plans change while it is active or monitored")
    if not cmd.actions:
        raise InvalidCommand("actions: a plan needs at least one action")
    if cmd.customer_agreed and not cmd.agreement_override_reason:
        raise InvalidCommand(
            "customer_agreed: the customer agrees on their own page; an operator sets it "
            "only as an override, with override_reason"
        )
    if cmd.review_by <= now:
        raise InvalidCommand("review_by: the plan's review deadline must be in the future")
    too_far = [
        f"{field}: must be within a year (366 days) from now"
        for field, when in (
            ("review_by", cmd.review_by),
            *((f"actions.{n}.due", a.due) for n, a in enumerate(cmd.actions)),
        )
        if when > now + FURTHEST_AHEAD
    ]
    if too_far:
        raise InvalidCommand(*too_far)
    return [
        e.PlanRevised(
            escalation_id=s.id,
            plan_version=(s.plan.plan_version + 1) if s.plan else 1,
            actions=cmd.actions,
            resources=cmd.resources,
            customer_agreed=cmd.customer_agreed,
            reason=cmd.reason,
            review_by=cmd.review_by,
            agreement_override_reason=cmd.agreement_override_reason
            if cmd.customer_agreed
            else None,
        )
    ]


def _raise_level(s: Escalation, cmd: c.RaiseLevel, now: datetime) -> list[Event]:
    _require(s, WORKING, "raise the level", "it must be active or monitored")
    if cmd.level <= s.level:
        raise NotAllowed(f"cannot raise to level {cmd.level}: the escalation is at level {s.level}")
    return [
        e.EscalationLevelRaised(
            escalation_id=s.id, from_level=s.level, to_level=cmd.level, reason=cmd.reason
        )
    ]


def _report_progress(s: Escalation, cmd: c.ReportProgress, now: datetime) -> list[Event]:
    _require(s, WORKING, "report progress", "it must be active or monitored")
    if cmd.next_update_due <= now:
        raise InvalidCommand("next_update_due: the next update must be due in the future")
    if cmd.next_update_due > now + FURTHEST_AHEAD:
        raise InvalidCommand("next_update_due: must be within a year (366 days) from now")
    return [
        e.ProgressReported(escalation_id=s.id, note=cmd.note, next_update_due=cmd.next_update_due)
    ]


def _resolve(s: Escalation, cmd: c.Resolve, now: datetime) -> list[Event]:
    _require(s, frozenset({"active"}), "resolve", "only an active escalation can be resolved")
    if s.manager is None:
        raise NotAllowed("cannot resolve: no escalation manager is assigned")
    if not cmd.customer_confirmed:
        raise InvalidCommand("customer_confirmed: the customer must confirm the resolution")
    confirmed_by = s.resolution_confirmed_by
    if confirmed_by is None and not cmd.override_reason:
        raise NotAllowed(
            "cannot resolve: the customer has not confirmed the resolution on their page; "
            "an operator may override with override_reason"
        )
    if not timedelta(0) < cmd.monitoring_period <= LONGEST_MONITORING:
        raise InvalidCommand("monitoring_period: must be a positive duration of at most 366 days")
    return [
        e.MonitoringStarted(
            escalation_id=s.id,
            round=s.monitoring_round + 1,
            customer_confirmed=True,
            monitoring_period=cmd.monitoring_period,
            started_at=now,
            ends_at=now + cmd.monitoring_period,
            confirmed_by=confirmed_by,
            override_reason=None if confirmed_by else cmd.override_reason,
        )
    ]


def _recur(s: Escalation, cmd: c.ReportRecurrence, now: datetime) -> list[Event]:
    _require(
        s,
        frozenset({"monitoring", "monitoring_passed"}),
        "report a recurrence",
        "a recurrence reopens a resolved escalation that is not closed yet",
    )
    return [
        e.EscalationReopened(
            escalation_id=s.id,
            round=s.monitoring_round,
            note=cmd.note,
            incident_id=cmd.incident_id,
            platform_record=cmd.platform_record,
        )
    ]


def _close(s: Escalation, cmd: c.Close, now: datetime) -> list[Event]:
    _require(
        s, frozenset({"monitoring_passed"}), "close", "closing needs the monitoring period passed"
    )
    agreed_by = s.closure_agreed_by
    if agreed_by is not None:
        words = next(
            (a.words for a in reversed(s.customer_acts) if a.kind == "CustomerAgreedToClosure"),
            None,
        )
        agreement = e.CustomerAgreement(
            by=agreed_by.name, note=words or "agreed to closure on their page"
        )
        return [
            e.EscalationClosed(
                escalation_id=s.id, customer_agreement=agreement, agreed_by=agreed_by
            )
        ]
    if not cmd.override_reason or cmd.customer_agreement is None:
        raise NotAllowed(
            "cannot close: the customer has not agreed to closure on their page; an operator "
            "may override with customer_agreement and override_reason"
        )
    return [
        e.EscalationClosed(
            escalation_id=s.id,
            customer_agreement=cmd.customer_agreement,
            override_reason=cmd.override_reason,
        )
    ]


def _review(s: Escalation, cmd: c.Review, now: datetime) -> list[Event]:
    _require(s, frozenset({"closed"}), "review", "only a closed escalation is reviewed")
    return [
        e.EscalationReviewed(
            escalation_id=s.id,
            findings=cmd.findings,
            problem_management_inputs=cmd.problem_management_inputs,
        )
    ]


def _pass_monitoring(s: Escalation, cmd: c.PassMonitoring, now: datetime) -> list[Event]:
    # A timer from an earlier round (before a recurrence) changes nothing.
    if s.status != "monitoring" or s.monitoring_round != cmd.round:
        return []
    return [e.MonitoringPassed(escalation_id=s.id, round=cmd.round)]


def _already_missed(s: Escalation, kind: str, due_at: datetime) -> bool:
    return any(m.kind == kind and m.due_at == due_at for m in s.missed_deadlines)


def _missed_plan_review(s: Escalation, cmd: c.RecordMissedPlanReview, now: datetime) -> list[Event]:
    current = s.plan is not None and s.plan.plan_version == cmd.plan_version
    if s.status not in WORKING or not current or _already_missed(s, "plan_review", cmd.due_at):
        return []
    return [
        e.DeadlineMissed(
            escalation_id=s.id,
            kind="plan_review",
            due_at=cmd.due_at,
            details={"plan_version": cmd.plan_version},
        )
    ]


def _missed_progress(
    s: Escalation, cmd: c.RecordMissedProgressUpdate, now: datetime
) -> list[Event]:
    current = s.progress_version == cmd.since_version
    kind = "progress_update"
    if s.status not in WORKING or not current or _already_missed(s, kind, cmd.due_at):
        return []
    return [
        e.DeadlineMissed(
            escalation_id=s.id,
            kind=kind,
            due_at=cmd.due_at,
            details={"since_version": cmd.since_version},
        )
    ]


def _raise_automatically(s: Escalation, cmd: c.RaiseAutomatically, now: datetime) -> list[Event]:
    if s.status != "active" or s.level != cmd.from_level or cmd.to_level <= s.level:
        return []
    return [
        e.EscalationLevelRaised(
            escalation_id=s.id,
            from_level=s.level,
            to_level=cmd.to_level,
            reason=cmd.reason,
            automatic=True,
        )
    ]


_RULES: dict[type, Callable[[Escalation, Any, datetime], list[Event]]] = {
    c.AssignManager: _assign_manager,
    c.LinkRecord: _link,
    c.AssignTeam: _assign_team,
    c.SetContacts: _set_contacts,
    c.AssessSituation: _assess,
    c.RevisePlan: _revise_plan,
    c.RaiseLevel: _raise_level,
    c.ReportProgress: _report_progress,
    c.Resolve: _resolve,
    c.ReportRecurrence: _recur,
    c.Close: _close,
    c.Review: _review,
    c.Withdraw: mistakes.withdraw,
    c.CorrectDetails: mistakes.correct,
    c.PassMonitoring: _pass_monitoring,
    c.RecordMissedPlanReview: _missed_plan_review,
    c.RecordMissedProgressUpdate: _missed_progress,
    c.RaiseAutomatically: _raise_automatically,
    c.AgreeToPlan: customer_acts.agree_to_plan,
    c.DeclinePlan: customer_acts.decline_plan,
    c.ConfirmResolution: customer_acts.confirm_resolution,
    c.ReportRecurrenceAsCustomer: customer_acts.report_recurrence,
    c.AgreeToClosure: customer_acts.agree_to_closure,
    c.AskForLink: customer_acts.ask_for_link,
}
