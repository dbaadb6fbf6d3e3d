"""The words people read: a subject and a plain-text body per event type. Pure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ec_events import escalations as esc
from ec_events.base import Customer, Event
from ec_notifier.domain.audience import Audience
from ec_notifier.domain.headers import header_safe

Lines = list[str]


@dataclass(frozen=True)
class Text:
    subject: str
    body: str


def render(event: Event, audience: Audience) -> Text:
    """`audience` is the escalation as it stands after the event."""
    headline, lines = _describe(event, audience)
    footer = [
        "",
        "--",
        f"Escalation {audience.escalation_id}: {audience.name}",
        f"Level {audience.level}"
        + (f", priority {audience.priority}" if audience.priority else "")
        + (f", service {audience.service}" if audience.service else ""),
        "Sent by Escalation Center.",
    ]
    return Text(
        subject=header_safe(f"{headline}: {audience.name}"), body="\n".join([*lines, *footer])
    )


def when(moment: datetime) -> str:
    # One zone for everyone on the thread: the provider and the customer may
    # sit in different ones, and UTC is what the audit trail shows.
    return moment.astimezone(UTC).strftime("%a %d %b %Y, %H:%M UTC")


def duration(period: timedelta) -> str:
    seconds = int(period.total_seconds())
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} second{'' if seconds == 1 else 's'}"


def _bullets(items: list[str]) -> Lines:
    return [f"  - {item}" for item in items] or ["  (none)"]


def _started(e: esc.EscalationStarted, a: Audience) -> tuple[str, Lines]:
    who = a.customer or "a customer"
    how = "by hand" if e.trigger == "manual" else "automatically"
    lines = [
        f"An escalation was started for {who}: {e.title}.",
        "",
        f"Why: {e.reason}",
        f"Started: {when(e.started_at)} ({how})",
        f"Level: {e.level}",
    ]
    if e.criteria:
        lines.append(f"Criteria met: {', '.join(e.criteria)}")
    return "Escalation started", lines


def _manager(e: esc.EscalationManagerAssigned, a: Audience) -> tuple[str, Lines]:
    return "Escalation manager assigned", [
        f"{e.manager.name} ({e.manager.email}) is now the escalation manager "
        "and owns this escalation until it is closed."
    ]


def _linked(e: esc.RecordLinked, a: Audience) -> tuple[str, Lines]:
    return f"{e.kind.capitalize()} {e.ref} linked", [
        f"The {e.kind} record {e.ref} was linked to this escalation."
    ]


def _team(e: esc.EscalationTeamAssigned, a: Audience) -> tuple[str, Lines]:
    members = [f"{m.name}, {m.role} ({m.email})" for m in e.members]
    return "Escalation team appointed", ["The escalation team is now:", *_bullets(members)]


def _contacts(e: esc.CommunicationContactsSet, a: Audience) -> tuple[str, Lines]:
    def listed(contacts: tuple[Any, ...]) -> Lines:
        return _bullets([f"{c.name} ({c.email}, by {c.channel})" for c in contacts])

    return "Communication contacts set", [
        "These people will be kept informed.",
        "Provider side:",
        *listed(e.provider),
        "Customer side:",
        *listed(e.customer),
    ]


def _assessed(e: esc.SituationAssessed, a: Audience) -> tuple[str, Lines]:
    lines = [f"Summary: {e.summary}", f"Impact: {e.impact}", f"Risk: {e.risk}"]
    if e.affected_services:
        lines.append(f"Affected services: {', '.join(e.affected_services)}")
    if e.affected_customers:
        lines.append(f"Affected customers: {', '.join(e.affected_customers)}")
    lines += [f"Known: {e.known}"] if e.known else []
    lines += [f"Not yet known: {e.unknown}"] if e.unknown else []
    return "Situation assessed", lines


def _plan(e: esc.PlanRevised, a: Audience) -> tuple[str, Lines]:
    actions = [f"{x.title}, owner {x.owner}, due {when(x.due)}" for x in e.actions]
    lines = [
        f"Version {e.plan_version} of the action plan ({e.reason}).",
        "Actions:",
        *_bullets(actions),
    ]
    if e.resources:
        lines += ["Resources requested:", *_bullets(list(e.resources))]
    lines += [
        f"Agreed with the customer: {'yes' if e.customer_agreed else 'not yet'}",
        f"Next review of the plan: {when(e.review_by)}",
    ]
    return f"Action plan v{e.plan_version}", lines


def _raised(e: esc.EscalationLevelRaised, a: Audience) -> tuple[str, Lines]:
    how = "automatically" if e.automatic else "by the escalation team"
    return f"Escalation raised to level {e.to_level}", [
        f"The escalation was raised from level {e.from_level} to level {e.to_level} ({how}).",
        f"Why: {e.reason}",
    ]


def _progress(e: esc.ProgressReported, a: Audience) -> tuple[str, Lines]:
    return "Progress update", [e.note, "", f"Next update by {when(e.next_update_due)}."]


def _monitoring(e: esc.MonitoringStarted, a: Audience) -> tuple[str, Lines]:
    return "Resolved, now monitoring", [
        "The customer confirmed that the situation is resolved.",
        f"It is watched for {duration(e.monitoring_period)}, until {when(e.ends_at)}; "
        "the team stays on standby.",
    ]


def _reopened(e: esc.EscalationReopened, a: Audience) -> tuple[str, Lines]:
    return "Escalation reopened", [
        "The problem came back during monitoring; the escalation is active again.",
        f"What happened: {e.note}",
    ]


def _passed(e: esc.MonitoringPassed, a: Audience) -> tuple[str, Lines]:
    return "Monitoring passed", [
        "The monitoring period ended with no recurrence. The escalation manager "
        "can now close the escalation with the customer's agreement."
    ]


def _closed(e: esc.EscalationClosed, a: Audience) -> tuple[str, Lines]:
    agreement = e.customer_agreement
    return "Escalation closed", [
        f"The escalation is closed, with the agreement of {agreement.by}: {agreement.note}"
    ]


def _reviewed(e: esc.EscalationReviewed, a: Audience) -> tuple[str, Lines]:
    inputs = [
        f"{i.kind.replace('_', ' ')}: {i.description}" + (f" ({i.ref})" if i.ref else "")
        for i in e.problem_management_inputs
    ]
    return "Escalation reviewed", [
        f"Findings: {e.findings}",
        "Handed to problem management:",
        *_bullets(inputs),
    ]


def _withdrawn(e: esc.EscalationWithdrawn, a: Audience) -> tuple[str, Lines]:
    return "Escalation withdrawn", [
        "The escalation was withdrawn: it was started by mistake, and nothing more will be "
        "done under it. Its record is kept.",
        f"Why: {e.reason}",
    ]


def _corrected(e: esc.EscalationDetailsCorrected, a: Audience) -> tuple[str, Lines]:
    def said(value: object) -> str:
        if isinstance(value, Customer):
            return f"{value.name} ({value.tier})"
        return "not set" if value is None else str(value)

    changes = [
        f"{name.capitalize()}: {said(change.old)}, now {said(change.new)}"
        for name, change in (
            ("title", e.title),
            ("priority", e.priority),
            ("customer", e.customer),
            ("service", e.service),
        )
        if change is not None
    ]
    return "Escalation details corrected", [
        "Details of this escalation were wrong and have been corrected:",
        *_bullets(changes),
        f"Why: {e.reason}",
    ]


def _deadline(e: esc.DeadlineMissed, a: Audience) -> tuple[str, Lines]:
    what = "plan review" if e.kind == "plan_review" else "progress update"
    return f"Missed {what}", [f"The {what} due {when(e.due_at)} did not happen in time."]


def _said_by(e: esc.CustomerActEvent) -> str:
    return f"{e.contact.name} <{e.contact.email}>"


def _customer_agreed_plan(e: esc.CustomerAgreedToPlan, a: Audience) -> tuple[str, Lines]:
    return f"The customer agreed to plan v{e.plan_version}", [
        f"{_said_by(e)} agreed to version {e.plan_version} of the action plan on their page.",
        *([f"Their words: {e.comment}"] if e.comment else []),
    ]


def _customer_declined_plan(e: esc.CustomerDeclinedPlan, a: Audience) -> tuple[str, Lines]:
    return f"The customer declined plan v{e.plan_version}", [
        f"{_said_by(e)} declined version {e.plan_version} of the action plan on their page.",
        f"Their words: {e.comment}",
    ]


def _customer_confirmed(e: esc.CustomerConfirmedResolution, a: Audience) -> tuple[str, Lines]:
    return "The customer confirmed the resolution", [
        f"{_said_by(e)} confirmed on their page that the situation is resolved.",
        *([f"Their words: {e.comment}"] if e.comment else []),
    ]


def _customer_recurrence(e: esc.CustomerReportedRecurrence, a: Audience) -> tuple[str, Lines]:
    return "The customer reported a recurrence", [
        f"{_said_by(e)} reported on their page that the problem is back.",
        f"Their words: {e.note}",
    ]


def _customer_closure(e: esc.CustomerAgreedToClosure, a: Audience) -> tuple[str, Lines]:
    return "The customer agreed to closure", [
        f"{_said_by(e)} agreed on their page that the escalation may be closed.",
        *([f"Their words: {e.comment}"] if e.comment else []),
    ]


def _link_asked(e: esc.CustomerAskedForLink, a: Audience) -> tuple[str, Lines]:
    return "Your new link", [
        "You asked for a new link to your page for this escalation: it is at the end of this mail.",
        "If you did not ask for it, you can ignore this mail; the link works only for you.",
    ]


_DESCRIBERS: dict[type[Event], Callable[[Any, Audience], tuple[str, Lines]]] = {
    esc.EscalationStarted: _started,
    esc.EscalationManagerAssigned: _manager,
    esc.RecordLinked: _linked,
    esc.EscalationTeamAssigned: _team,
    esc.CommunicationContactsSet: _contacts,
    esc.SituationAssessed: _assessed,
    esc.PlanRevised: _plan,
    esc.EscalationLevelRaised: _raised,
    esc.ProgressReported: _progress,
    esc.MonitoringStarted: _monitoring,
    esc.EscalationReopened: _reopened,
    esc.MonitoringPassed: _passed,
    esc.EscalationClosed: _closed,
    esc.EscalationReviewed: _reviewed,
    esc.DeadlineMissed: _deadline,
    esc.EscalationWithdrawn: _withdrawn,
    esc.EscalationDetailsCorrected: _corrected,
    esc.CustomerAgreedToPlan: _customer_agreed_plan,
    esc.CustomerDeclinedPlan: _customer_declined_plan,
    esc.CustomerConfirmedResolution: _customer_confirmed,
    esc.CustomerReportedRecurrence: _customer_recurrence,
    esc.CustomerAgreedToClosure: _customer_closure,
    esc.CustomerAskedForLink: _link_asked,
}


def _describe(event: Event, audience: Audience) -> tuple[str, Lines]:
    describe = _DESCRIBERS.get(type(event))
    if describe is None:
        # An event type newer than this notifier: say what it is, not nothing.
        return f"Escalation update ({event.event_name()})", [
            f"The escalation recorded {event.event_name()}."
        ]
    return describe(event, audience)
