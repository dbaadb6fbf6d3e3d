"""The review report's model: given an escalation told at known moments, its
measures and the period's medians, when the report is built, then every
section says what the events say; and durations read as people say them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ec_escalation.domain import commands as c
from ec_escalation.domain.measures import measures, with_incident_time
from ec_escalation.reports.review import (
    MonitoringRound,
    PeriodFigures,
    Recorded,
    ReviewReport,
    build_report,
)
from ec_escalation.reports.words import in_words, measure_label
from ec_events.base import Contact, Customer, PlatformRecord, TeamMember
from ec_events.escalations import CustomerAgreement, ProblemManagementInput
from harness.escalations import MANAGER, NOW, Told, plan, progress, resolve, start

MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
ACTOR = "olivia (operator)"
CUSTOMER = Customer(id="cust-zoe", name="Zoë Ångström Logistik GmbH", tier="gold")
TEAM = TeamMember(id="u-9", name="Lee Park", email="lee@p.example", role="incident owner")
THEIR_CIO = Contact(name="Jo Meyer", email="jo@customer.example")
OUR_DIRECTOR = Contact(name="Sam Patel", email="sam@provider.example")
PROBLEM = PlatformRecord(platform="servicenow", record_id="a1b2", number="PRB0040001")
INPUTS = (
    ProblemManagementInput(kind="open_problem", description="gateway canaries"),
    ProblemManagementInput(kind="follow_up_action", description="runbook", owner="Lee Park"),
)
PERIOD = PeriodFigures(
    since=NOW - 90 * DAY,
    until=NOW,
    escalations=4,
    medians={"time_to_manager": 1800.0, "time_to_closure": 40 * 3600.0, "time_at_level_1": 7200},
)


def whole_process() -> Told:
    """Started at NOW by a P1 that happened 30 minutes before; every step at a
    known offset; reviewed after 56 hours, its problem record linked after."""
    return (
        Told()
        .at(NOW, start(customer=CUSTOMER))
        .at(NOW + 10 * MINUTE, c.AssignManager(manager=MANAGER))
        .at(NOW + 25 * MINUTE, c.AssignTeam(members=(TEAM,)))
        .at(NOW + 30 * MINUTE, c.SetContacts(provider=(OUR_DIRECTOR,), customer=(THEIR_CIO,)))
        .at(NOW + 40 * MINUTE, c.AssessSituation(summary="EU down", impact="all", risk="fines"))
        .at(NOW + HOUR, _plan(agreed=False, reason="first draft"))
        .at(NOW + 2 * HOUR, _plan(agreed=True, reason="agreed on the bridge"))
        .at(NOW + 3 * HOUR, c.RaiseLevel(level=2, reason="directors must know"))
        .at(NOW + 4 * HOUR, progress(next_update_due=NOW + 9 * HOUR))
        .at(NOW + 5 * HOUR, resolve(timedelta(hours=24)))
        .at(NOW + 6 * HOUR, c.ReportRecurrence(note="502s again"))
        .at(NOW + 7 * HOUR, resolve(timedelta(hours=24)))
        .at(NOW + 31 * HOUR, c.PassMonitoring(round=2))
        .at(
            NOW + 32 * HOUR,
            c.Close(
                customer_agreement=CustomerAgreement(by="Jo Meyer", note="stable for a day"),
                override_reason="agreed on the phone",
            ),
        )
        .at(NOW + 56 * HOUR, c.Review(findings="no canary", problem_management_inputs=INPUTS))
        .at(
            NOW + 57 * HOUR,
            c.LinkRecord(kind="problem", ref="PRB0040001", platform_record=PROBLEM),
        )
    )


def _plan(*, agreed: bool, reason: str) -> c.RevisePlan:
    revision = plan(review_by=NOW + 10 * HOUR)
    return c.RevisePlan(
        actions=revision.actions,
        customer_agreed=agreed,
        agreement_override_reason="agreed on the bridge call" if agreed else None,
        reason=reason,
        review_by=revision.review_by,
        resources=revision.resources,
    )


def report_of(told: Told, *, at: timedelta = 100 * HOUR) -> ReviewReport:
    recorded = [Recorded(event, moment, ACTOR) for event, moment in told.timed]
    trail = with_incident_time(told.trail, NOW - 30 * MINUTE)
    return build_report(
        recorded,
        measured=measures(trail, NOW + at),
        period=PERIOD,
        generated_at=NOW + at,
    )


def test_the_summary_is_the_escalation_as_its_events_leave_it() -> None:
    report = report_of(whole_process())

    s = report.escalation
    assert (s.title, s.customer, s.service) == (
        "Payment gateway returns 502 for all EU merchants",
        CUSTOMER,
        "payments-eu",
    )
    assert (s.trigger, s.criteria, s.status, s.level) == ("automatic", ("p1",), "reviewed", 2)
    assert s.manager == MANAGER
    assert s.team == (TEAM,)
    assert (s.customer_contacts, s.provider_contacts) == ((THEIR_CIO,), (OUR_DIRECTOR,))
    assert report.closed_with_agreement is True


def test_the_timeline_tells_every_event_in_order_with_who_and_when() -> None:
    told = whole_process()

    report = report_of(told)

    assert [(t.at, t.actor) for t in report.timeline] == [(m, ACTOR) for _, m in told.timed]
    assert report.timeline[0].text == "started (automatic): escalation criteria met: p1"
    assert report.timeline[7].text == "raised to level 2: directors must know"
    assert report.timeline[-1].text == "linked problem PRB0040001"


def test_each_level_has_its_span_and_who_raised_it() -> None:
    report = report_of(whole_process())

    first, second = report.levels
    assert (first.level, first.since, first.until, first.seconds) == (
        1,
        NOW,
        NOW + 3 * HOUR,
        3 * 3600.0,
    )
    assert first.raised_by is None
    # The closure ends the time at a level.
    assert (second.level, second.until, second.seconds) == (2, NOW + 32 * HOUR, 29 * 3600.0)
    assert (second.raised_by, second.reason, second.automatic) == (
        ACTOR,
        "directors must know",
        False,
    )


def test_an_open_escalation_is_still_at_its_level() -> None:
    told = Told().at(NOW, start()).at(NOW + HOUR, c.AssignManager(manager=MANAGER))

    [level] = report_of(told, at=5 * HOUR).levels

    assert (level.until, level.seconds) == (None, 5 * 3600.0)


def test_who_was_told_is_the_contacts_on_record_at_each_update() -> None:
    report = report_of(whole_process())

    told = [(t.at - NOW, t.what, t.customer, t.provider) for t in report.told]
    assert told == [
        (timedelta(0), "Escalation started", (), ()),
        (3 * HOUR, "Raised a level", (THEIR_CIO,), (OUR_DIRECTOR,)),
        (4 * HOUR, "Progress update", (THEIR_CIO,), (OUR_DIRECTOR,)),
        (5 * HOUR, "Resolved; monitoring started", (THEIR_CIO,), (OUR_DIRECTOR,)),
        (6 * HOUR, "The problem came back", (THEIR_CIO,), (OUR_DIRECTOR,)),
        (7 * HOUR, "Resolved; monitoring started", (THEIR_CIO,), (OUR_DIRECTOR,)),
        (32 * HOUR, "Closed", (THEIR_CIO,), (OUR_DIRECTOR,)),
    ]
    assert [t.detail for t in report.told] == [
        "escalation criteria met: p1",
        "to level 2: directors must know",
        "3 of 5 gateways restored (next update by 2026-11-27 18:00)",
        "monitoring round 1 until 2026-11-28 14:00",
        "502s again",
        "monitoring round 2 until 2026-11-28 16:00",
        "agreed by Jo Meyer",
    ]


def test_every_plan_version_says_whether_the_customer_agreed() -> None:
    report = report_of(whole_process())

    plans = [(p.version, p.at, p.customer_agreed, p.reason, p.actor) for p in report.plans]
    assert plans == [
        (1, NOW + HOUR, False, "first draft", ACTOR),
        (2, NOW + 2 * HOUR, True, "agreed on the bridge", ACTOR),
    ]
    assert report.plans[1].actions[0].title == "Restore the previous certificate chain"
    assert report.plans[1].resources == ("two network engineers",)


def test_monitoring_rounds_show_the_recurrence_and_the_pass() -> None:
    report = report_of(whole_process())

    assert report.monitoring == (
        MonitoringRound(
            1,
            NOW + 5 * HOUR,
            NOW + 29 * HOUR,
            24 * 3600.0,
            outcome="recurred",
            outcome_at=NOW + 6 * HOUR,
            note="502s again",
        ),
        MonitoringRound(
            2,
            NOW + 7 * HOUR,
            NOW + 31 * HOUR,
            24 * 3600.0,
            outcome="passed",
            outcome_at=NOW + 31 * HOUR,
        ),
    )


def test_a_recurrence_after_the_period_passed_tells_both() -> None:
    told = (
        Told()
        .at(NOW, start())
        .at(NOW + HOUR, c.AssignManager(manager=MANAGER))
        .at(NOW + 2 * HOUR, resolve(timedelta(hours=1)))
        .at(NOW + 3 * HOUR, c.PassMonitoring(round=1))
        .at(NOW + 4 * HOUR, c.ReportRecurrence(note="back before the closure"))
    )

    [only] = report_of(told).monitoring

    assert (only.outcome, only.outcome_at) == ("recurred", NOW + 4 * HOUR)
    assert only.note == "back before the closure (after the period passed 2026-11-27 12:00)"


def test_the_closure_review_and_problem_records_are_all_there() -> None:
    report = report_of(whole_process())

    assert report.closure is not None
    assert (report.closure.at, report.closure.agreed_by, report.closure.note) == (
        NOW + 32 * HOUR,
        "Jo Meyer",
        "stable for a day",
    )
    assert report.review is not None
    assert (report.review.findings, report.review.inputs) == ("no canary", INPUTS)
    [record] = report.problem_records
    assert (record.at, record.ref, record.platform_record) == (
        NOW + 57 * HOUR,
        "PRB0040001",
        PROBLEM,
    )


def test_the_measures_stand_beside_the_period_medians() -> None:
    report = report_of(whole_process())

    lines = {m.name: (m.seconds, m.period_median) for m in report.measures}
    assert lines == {
        "time_to_escalate": (1800.0, None),
        "time_to_manager": (600.0, 1800.0),
        "time_to_team": (1500.0, None),
        "time_to_assessment": (2400.0, None),
        "time_to_plan": (3600.0, None),
        "time_to_agreed_plan": (7200.0, None),
        "time_to_resolution": (5 * 3600.0, None),
        "time_to_closure": (32 * 3600.0, 40 * 3600.0),
        "closure_to_review": (24 * 3600.0, None),
        "time_at_level_1": (3 * 3600.0, 7200),
        "time_at_level_2": (29 * 3600.0, None),
    }
    assert dict(report.counts) == {
        "raises_manual": 1,
        "raises_automatic": 0,
        "missed_plan_review": 0,
        "missed_progress_update": 0,
        "monitoring_passed": 1,
        "recurrences": 1,
        "problem_inputs": 2,
    }
    assert report.period is PERIOD


def test_an_open_escalation_reports_its_time_in_its_state() -> None:
    told = Told().at(NOW, start()).at(NOW + HOUR, c.AssignManager(manager=MANAGER))

    lines = {m.name: m.seconds for m in report_of(told, at=5 * HOUR).measures}

    assert lines["time_in_state"] == 5 * 3600.0
    assert lines["time_to_closure"] is None
    assert report_of(told).closure is None
    assert report_of(told).review is None


def test_a_report_needs_events() -> None:
    told = Told().at(NOW, start())

    with pytest.raises(ValueError, match="events"):
        build_report(
            [],
            measured=measures(told.trail, NOW),
            period=PERIOD,
            generated_at=NOW,
        )


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (None, "—"),
        (0, "0 s"),
        (40, "40 s"),
        (59.6, "1 min"),
        (12 * 60, "12 min"),
        (2 * 3600, "2 h"),
        (2 * 3600 + 15 * 60, "2 h 15 min"),
        (2 * 3600 + 15 * 60 + 29, "2 h 15 min"),
        (23 * 3600 + 59 * 60 + 40, "1 d"),
        (3 * 86400 + 4 * 3600, "3 d 4 h"),
        (-90 * 60, "-1 h 30 min"),
    ],
)
def test_durations_read_as_people_say_them(seconds: float | None, words: str) -> None:
    assert in_words(seconds) == words


def test_every_measure_has_a_label() -> None:
    assert measure_label("time_to_manager") == "Start to a manager"
    assert measure_label("time_at_level_3") == "At level 3"
