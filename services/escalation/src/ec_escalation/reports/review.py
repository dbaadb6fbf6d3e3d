"""The review report: what an escalation manager sends the customer
and files with the problem record. Built from the escalation's recorded events
(the same replay as every query), its measures, and the figures of the period
before it. Pure: the renderers (html.py, pdf.py) only lay it out.

Who was told when is what the escalation's own events say: each update the
contacts hear of (the notifier's default routing) with the contacts on record at
that moment. Whether each message was delivered is the notifier's delivery log."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from ec_escalation.domain.measures import Measures
from ec_escalation.domain.sentences import describe
from ec_escalation.domain.state import Escalation, fold
from ec_escalation.reports.words import moment
from ec_events import escalations as e
from ec_events.base import Contact, Event, PlanAction, PlatformRecord

# The updates the contacts on both sides hear of (the notifier's default routing).
TOLD_CONTACTS: dict[type[Event], str] = {
    e.EscalationStarted: "Escalation started",
    e.EscalationLevelRaised: "Raised a level",
    e.ProgressReported: "Progress update",
    e.MonitoringStarted: "Resolved; monitoring started",
    e.EscalationReopened: "The problem came back",
    e.EscalationClosed: "Closed",
    e.EscalationWithdrawn: "Withdrawn",
}
COUNT_LABELS = {
    "raises_manual": "Raised by hand",
    "raises_automatic": "Raised automatically",
    "missed_plan_review": "Plan reviews missed",
    "missed_progress_update": "Progress updates missed",
    "monitoring_passed": "Monitoring periods passed",
    "recurrences": "Recurrences",
    "problem_inputs": "Problem-management inputs",
}


@dataclass(frozen=True)
class Recorded:
    """One event of the stream, when it was recorded and who caused it."""

    event: Event
    at: datetime
    actor: str


@dataclass(frozen=True)
class PeriodFigures:
    """The escalations started in [since, until), withdrawn ones left out: how
    many, and the median of each duration (None where none got there)."""

    since: datetime
    until: datetime
    escalations: int
    medians: Mapping[str, float | None]


@dataclass(frozen=True)
class Entry:
    at: datetime
    actor: str
    text: str


@dataclass(frozen=True)
class LevelSpan:
    level: int
    since: datetime
    until: datetime | None
    seconds: float
    # Who raised it to this level and why (None for the level it started at).
    raised_by: str | None = None
    reason: str | None = None
    automatic: bool = False


@dataclass(frozen=True)
class Told:
    at: datetime
    what: str
    detail: str
    provider: tuple[Contact, ...]
    customer: tuple[Contact, ...]


@dataclass(frozen=True)
class PlanVersion:
    version: int
    at: datetime
    actor: str
    reason: str
    customer_agreed: bool
    review_by: datetime
    actions: tuple[PlanAction, ...]
    resources: tuple[str, ...]


@dataclass(frozen=True)
class MonitoringRound:
    round: int
    started_at: datetime
    ends_at: datetime
    seconds: float
    # "passed", "recurred" (note says how), or "running".
    outcome: str = "running"
    outcome_at: datetime | None = None
    note: str | None = None


@dataclass(frozen=True)
class ClosureAgreement:
    at: datetime
    actor: str
    agreed_by: str
    note: str


@dataclass(frozen=True)
class ReviewFindings:
    at: datetime
    actor: str
    findings: str
    inputs: tuple[e.ProblemManagementInput, ...]


@dataclass(frozen=True)
class ProblemRecord:
    at: datetime
    ref: str
    platform_record: PlatformRecord | None


@dataclass(frozen=True)
class MeasureLine:
    name: str
    seconds: float | None
    period_median: float | None


@dataclass(frozen=True)
class ReviewReport:
    escalation: Escalation
    generated_at: datetime
    as_of: datetime | None
    timeline: tuple[Entry, ...]
    levels: tuple[LevelSpan, ...]
    told: tuple[Told, ...]
    plans: tuple[PlanVersion, ...]
    monitoring: tuple[MonitoringRound, ...]
    closure: ClosureAgreement | None
    review: ReviewFindings | None
    problem_records: tuple[ProblemRecord, ...]
    measures: tuple[MeasureLine, ...]
    counts: tuple[tuple[str, int], ...]
    closed_with_agreement: bool
    period: PeriodFigures


def build_report(
    recorded: Sequence[Recorded],
    *,
    measured: Measures,
    period: PeriodFigures,
    generated_at: datetime,
    as_of: datetime | None = None,
) -> ReviewReport:
    """The report of the escalation these events tell, measured by `measured`."""
    state = fold(r.event for r in recorded)
    if state is None:
        raise ValueError("a report needs the escalation's events")
    trail = measured.trail
    return ReviewReport(
        escalation=state,
        generated_at=generated_at,
        as_of=as_of,
        timeline=tuple(
            Entry(r.at, r.actor, describe(r.event.event_name(), r.event.model_dump(mode="json")))
            for r in recorded
        ),
        levels=_levels(recorded, ended_at=trail.ended_at, now=as_of or generated_at),
        told=_told(recorded),
        plans=tuple(
            PlanVersion(
                version=r.event.plan_version,
                at=r.at,
                actor=r.actor,
                reason=r.event.reason,
                customer_agreed=_agreed(recorded, r.event),
                review_by=r.event.review_by,
                actions=r.event.actions,
                resources=r.event.resources,
            )
            for r in recorded
            if isinstance(r.event, e.PlanRevised)
        ),
        monitoring=_monitoring(recorded),
        closure=next(
            (
                ClosureAgreement(
                    r.at, r.actor, r.event.customer_agreement.by, r.event.customer_agreement.note
                )
                for r in recorded
                if isinstance(r.event, e.EscalationClosed)
            ),
            None,
        ),
        review=next(
            (
                ReviewFindings(r.at, r.actor, r.event.findings, r.event.problem_management_inputs)
                for r in recorded
                if isinstance(r.event, e.EscalationReviewed)
            ),
            None,
        ),
        problem_records=tuple(
            ProblemRecord(r.at, r.event.ref, r.event.platform_record)
            for r in recorded
            if isinstance(r.event, e.RecordLinked) and r.event.kind == "problem"
        ),
        measures=_measure_lines(measured, period),
        counts=tuple((name, getattr(trail, name)) for name in COUNT_LABELS),
        closed_with_agreement=trail.closed_with_agreement,
        period=period,
    )


def _levels(
    recorded: Sequence[Recorded], *, ended_at: datetime | None, now: datetime
) -> tuple[LevelSpan, ...]:
    """Each level it was at, from when to when (the last one up to the closure
    or withdrawal, else still running at `now`), and who raised it there."""
    first = recorded[0]
    if not isinstance(first.event, e.EscalationStarted):
        raise ValueError("an escalation's stream begins with EscalationStarted")
    spans = [LevelSpan(first.event.level, first.event.started_at, None, 0.0)]
    for r in recorded:
        if isinstance(r.event, e.EscalationLevelRaised):
            spans[-1] = _ended(spans[-1], r.at)
            raised = LevelSpan(r.event.to_level, r.at, None, 0.0)
            spans.append(
                replace(
                    raised, raised_by=r.actor, reason=r.event.reason, automatic=r.event.automatic
                )
            )
    last = _ended(spans[-1], ended_at or now)
    spans[-1] = last if ended_at else replace(last, until=None)
    return tuple(spans)


def _ended(span: LevelSpan, at: datetime) -> LevelSpan:
    return replace(span, until=at, seconds=(at - span.since).total_seconds())


def _told(recorded: Sequence[Recorded]) -> tuple[Told, ...]:
    provider: tuple[Contact, ...] = ()
    customer: tuple[Contact, ...] = ()
    told = []
    for r in recorded:
        if isinstance(r.event, e.CommunicationContactsSet):
            provider, customer = r.event.provider, r.event.customer
        what = TOLD_CONTACTS.get(type(r.event))
        if what is not None:
            told.append(Told(r.at, what, _news(r.event), provider, customer))
    return tuple(told)


def _agreed(recorded: Sequence[Recorded], plan: e.PlanRevised) -> bool:
    """Agreed by the operator's override, or by the customer's last word on it."""
    said = [
        isinstance(r.event, e.CustomerAgreedToPlan)
        for r in recorded
        if isinstance(r.event, e.CustomerAgreedToPlan | e.CustomerDeclinedPlan)
        and r.event.plan_version == plan.plan_version
    ]
    return said[-1] if said else plan.customer_agreed


def _news(event: Event) -> str:
    """What an update told its readers, in a line."""
    match event:
        case e.EscalationStarted() | e.EscalationWithdrawn():
            return event.reason
        case e.EscalationLevelRaised():
            return f"to level {event.to_level}: {event.reason}"
        case e.ProgressReported():
            return f"{event.note} (next update by {moment(event.next_update_due)})"
        case e.MonitoringStarted():
            return f"monitoring round {event.round} until {moment(event.ends_at)}"
        case e.EscalationReopened():
            return event.note
        case e.EscalationClosed():
            return f"agreed by {event.customer_agreement.by}"
    return describe(event.event_name(), event.model_dump(mode="json"))


def _monitoring(recorded: Sequence[Recorded]) -> tuple[MonitoringRound, ...]:
    rounds: list[MonitoringRound] = []
    for r in recorded:
        ev = r.event
        if isinstance(ev, e.MonitoringStarted):
            seconds = ev.monitoring_period.total_seconds()
            rounds.append(MonitoringRound(ev.round, ev.started_at, ev.ends_at, seconds))
        elif isinstance(ev, e.MonitoringPassed) and rounds:
            rounds[-1] = replace(rounds[-1], outcome="passed", outcome_at=r.at)
        elif isinstance(ev, e.EscalationReopened) and rounds:
            last = rounds[-1]
            note = ev.note
            if last.outcome == "passed":
                # Back after its period passed, before the closure: both are told.
                note = f"{ev.note} (after the period passed {moment(last.outcome_at)})"
            rounds[-1] = replace(last, outcome="recurred", outcome_at=r.at, note=note)
    return tuple(rounds)


def _measure_lines(measured: Measures, period: PeriodFigures) -> tuple[MeasureLine, ...]:
    durations = dict(measured.durations)
    if not measured.is_open:
        # A closed escalation's time in its state says nothing about the process.
        del durations["time_in_state"]
    for level, seconds in sorted(measured.time_at_level.items()):
        durations[f"time_at_level_{level}"] = seconds
    return tuple(
        MeasureLine(name, seconds, period.medians.get(name)) for name, seconds in durations.items()
    )
