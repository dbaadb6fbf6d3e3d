"""What goes back to the ITSM platforms for an escalation event: a note on each
of the escalation's incident records at its milestones, and a problem record
for each `open_problem` input of the review. Pure: the deliveries are recorded
by store/recording.py, sent by channels/platforms.py."""

from __future__ import annotations

from dataclasses import dataclass

from ec_events import escalations as esc
from ec_events.base import Event, PlatformRecord
from ec_notifier.domain.audience import Audience
from ec_notifier.domain.connections import JIRA, PAGERDUTY, SERVICENOW, Connections
from ec_notifier.domain.templates import when

# Channels of the delivery log: a note on an incident record, a new problem
# record, and the problem record linked back to the escalation.
NOTE_CHANNELS = (SERVICENOW, JIRA, PAGERDUTY)
SERVICENOW_PROBLEM, JIRA_PROBLEM = "servicenow-problem", "jira-problem"
PROBLEM_CHANNEL = {SERVICENOW: SERVICENOW_PROBLEM, JIRA: JIRA_PROBLEM}
ESCALATION_LINK = "escalation-link"
WRITEBACK_CHANNELS = frozenset({*NOTE_CHANNELS, *PROBLEM_CHANNEL.values(), ESCALATION_LINK})

MILESTONES = frozenset(
    {
        "EscalationStarted",
        "EscalationManagerAssigned",
        "EscalationLevelRaised",
        "ProgressReported",
        "MonitoringStarted",
        "EscalationReopened",
        "EscalationClosed",
        # Not a milestone, but the record said it was escalated: now it is not.
        "EscalationWithdrawn",
    }
)


@dataclass(frozen=True)
class WriteBack:
    """One delivery to a platform: `recipient` is the record it is about (a
    note's incident) or what it creates (`problem 1`)."""

    channel: str
    recipient: str
    name: str
    base_url: str
    subject: str
    body: str


def writebacks_for(
    connections: Connections, after: Audience, event: Event, *, console_url: str
) -> list[WriteBack]:
    """`after` is the audience as the event leaves it (so a start's records are known)."""
    if isinstance(event, esc.EscalationReviewed):
        return _problems(connections, after, event, console_url)
    if isinstance(event, esc.RecordLinked):
        if event.kind != "incident" or event.platform_record is None:
            return []
        # A newly linked incident hears of the escalation it now belongs to.
        records: tuple[PlatformRecord, ...] = (event.platform_record,)
        headline, lines = _linked(after)
    elif event.event_name() in MILESTONES:
        records = after.records
        headline, lines = note_text(event, after)
    else:
        return []
    body = "\n".join([*lines, "", *_footer(after, console_url)])
    found = []
    for record in records:
        connection = connections.get(record.platform)
        if connection is None:
            continue
        found.append(
            WriteBack(
                channel=record.platform,
                recipient=record.record_id,
                name=record.number or record.record_id,
                base_url=connection.base_url,
                subject=f"{headline}: {after.name}",
                body=body,
            )
        )
    return found


def note_text(event: Event, a: Audience) -> tuple[str, list[str]]:
    """A headline and the lines of a note: what happened, who, what comes next."""
    manager = f"{a.manager.name} ({a.manager.email})" if a.manager else "not yet assigned"
    if isinstance(event, esc.EscalationStarted):
        how = "by hand" if event.trigger == "manual" else "automatically, by the escalation rules"
        return "Escalated", [
            f"This incident is now part of escalation {a.escalation_id}, level {event.level}, "
            f"started {how} on {when(event.started_at)}.",
            f"Why: {event.reason}",
            "Next: an escalation manager is assigned and takes charge of the escalation.",
        ]
    if isinstance(event, esc.EscalationManagerAssigned):
        return "Escalation manager assigned", [
            f"{event.manager.name} ({event.manager.email}) is the escalation manager and "
            "owns the escalation until it is closed.",
            "Next: the escalation team is appointed and the situation assessed.",
        ]
    if isinstance(event, esc.EscalationLevelRaised):
        how = "automatically" if event.automatic else "by the escalation team"
        return f"Escalation raised to level {event.to_level}", [
            f"The escalation was raised from level {event.from_level} to level "
            f"{event.to_level} ({how}). Why: {event.reason}",
            f"Escalation manager: {manager}.",
        ]
    if isinstance(event, esc.ProgressReported):
        return "Escalation progress", [
            event.note,
            f"Next update by {when(event.next_update_due)}. Escalation manager: {manager}.",
        ]
    if isinstance(event, esc.MonitoringStarted):
        return "Resolved, under monitoring", [
            "The customer confirmed that the situation is resolved.",
            f"Next: it is watched until {when(event.ends_at)}; the escalation team stays on "
            f"standby. Escalation manager: {manager}.",
        ]
    if isinstance(event, esc.EscalationReopened):
        return "Escalation reopened", [
            f"The problem came back during monitoring (round {event.round}): {event.note}",
            f"The escalation is active again. Escalation manager: {manager}.",
        ]
    if isinstance(event, esc.EscalationClosed):
        agreement = event.customer_agreement
        return "Escalation closed", [
            f"The escalation is closed with the agreement of {agreement.by}: {agreement.note}",
            "Next: the escalation is reviewed, and its findings go to problem management.",
        ]
    if isinstance(event, esc.EscalationWithdrawn):
        return "Escalation withdrawn", [
            f"The escalation was withdrawn: it was started by mistake. Why: {event.reason}",
            "Nothing more will be done under it; the incident goes on as before.",
        ]
    return "Escalation update", [f"The escalation recorded {event.event_name()}."]


def _linked(a: Audience) -> tuple[str, list[str]]:
    return "Linked to an escalation", [
        f"This incident was linked to escalation {a.escalation_id} (level {a.level}).",
        f"Escalation manager: {a.manager.name if a.manager else 'not yet assigned'}.",
    ]


def _footer(a: Audience, console_url: str) -> list[str]:
    return [
        f"Escalation {a.escalation_id}: {a.name}",
        f"In Escalation Center: {escalation_link(console_url, a.escalation_id)}",
    ]


def escalation_link(console_url: str, escalation_id: str) -> str:
    return f"{console_url.rstrip('/')}/escalations/{escalation_id}"


def _problems(
    connections: Connections, a: Audience, event: esc.EscalationReviewed, console_url: str
) -> list[WriteBack]:
    platform = problem_platform(connections, a.records)
    if platform is None:
        return []
    connection = connections.get(platform)
    assert connection is not None
    incidents = [r.number or r.record_id for r in a.records if r.platform == platform]
    found = []
    for n, wanted in enumerate(event.problem_management_inputs, start=1):
        if wanted.kind != "open_problem":
            continue
        summary = f"Problem from escalation: {wanted.description}"[:160]
        body = "\n".join(
            [
                wanted.description,
                "",
                f"Raised by the review of escalation {a.escalation_id}: {a.name}.",
                f"Findings: {event.findings}",
                f"Incidents: {', '.join(incidents) or 'none on this platform'}",
                *([f"Owner: {wanted.owner}"] if wanted.owner else []),
                f"In Escalation Center: {escalation_link(console_url, a.escalation_id)}",
            ]
        )
        found.append(
            WriteBack(
                channel=PROBLEM_CHANNEL[platform],
                recipient=f"problem {n}",
                name=f"{platform} problem record",
                base_url=connection.base_url,
                subject=summary,
                body=body,
            )
        )
    return found


def problem_platform(connections: Connections, records: tuple[PlatformRecord, ...]) -> str | None:
    """The platform of the escalation's incidents that keeps problem records and
    has a connection: the first such record's (PagerDuty keeps none)."""
    for record in records:
        connection = connections.get(record.platform)
        if record.platform == SERVICENOW and connection is not None:
            return SERVICENOW
        if record.platform == JIRA and connection is not None and connection.problem_project:
            return JIRA
    return None
