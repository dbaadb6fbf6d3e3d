"""An escalation's measures from its events and their recorded times: given a
history told at known moments, when measured at a moment, then each measure."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ec_escalation.domain import commands as c
from ec_escalation.domain.measures import Trail, advance, measures, trail_of, with_incident_time
from ec_events.base import Customer, TeamMember
from harness.escalations import (
    JO,
    MANAGER,
    NOW,
    Told,
    agreed_plan,
    close,
    customer_contacts,
    plan,
    progress,
    resolve,
    review,
    start,
)

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def whole_process() -> Told:
    """Started at NOW; every step at a known offset from it."""
    return (
        Told()
        .at(NOW, start())
        .at(NOW + 10 * MINUTE, c.AssignManager(manager=MANAGER))
        .at(NOW + 25 * MINUTE, c.AssignTeam(members=(TEAM,)))
        .at(NOW + 40 * MINUTE, c.AssessSituation(summary="EU down", impact="all", risk="fines"))
        .at(NOW + HOUR, c.RevisePlan(**{**_plan_fields(), "customer_agreed": False}))
        .at(
            NOW + 2 * HOUR,
            plan(reason="agreed", review_by=NOW + 10 * HOUR),
            customer_contacts(),
            c.AgreeToPlan(contact=JO, plan_version=2),
        )
        .at(NOW + 3 * HOUR, c.RaiseLevel(level=2, reason="directors"))
        .at(NOW + 4 * HOUR, progress(next_update_due=NOW + 9 * HOUR))
        .at(NOW + 5 * HOUR, resolve(timedelta(hours=24)))
        .at(NOW + 6 * HOUR, c.ReportRecurrence(note="502s again"))
        .at(NOW + 7 * HOUR, resolve(timedelta(hours=24)))
        .at(NOW + 31 * HOUR, c.PassMonitoring(round=2))
        .at(NOW + 32 * HOUR, close())
        .at(NOW + 56 * HOUR, review())
    )


TEAM = TeamMember(id="u-9", name="Lee", email="lee@p.example", role="incident owner")


def _plan_fields() -> dict[str, object]:
    revision = plan(review_by=NOW + 10 * HOUR)
    return {
        "actions": revision.actions,
        "reason": "draft",
        "review_by": revision.review_by,
        "resources": revision.resources,
    }


def test_the_whole_process_gives_every_duration_from_the_start() -> None:
    trail = with_incident_time(whole_process().trail, NOW - 30 * MINUTE)

    measured = measures(trail, NOW + 100 * HOUR)

    assert measured.durations == {
        "time_to_escalate": 1800.0,
        "time_to_manager": 600.0,
        "time_to_team": 1500.0,
        "time_to_assessment": 2400.0,
        "time_to_plan": 3600.0,
        "time_to_agreed_plan": 7200.0,
        "time_to_resolution": 5 * 3600.0,
        "time_to_closure": 32 * 3600.0,
        "closure_to_review": 24 * 3600.0,
        "time_in_state": 44 * 3600.0,
    }


def test_the_whole_process_counts_levels_recurrences_and_inputs() -> None:
    measured = measures(whole_process().trail, NOW + 100 * HOUR).as_dict()

    assert measured["state"] == "reviewed"
    assert measured["time_at_level"] == {"1": 3 * 3600.0, "2": 29 * 3600.0}
    assert measured["raises"] == {"manual": 1, "automatic": 0}
    assert measured["recurrences"] == 1
    assert measured["monitoring_passed"] == 1
    assert measured["closed_with_agreement"] is True
    assert measured["problem_inputs"] == 1


def test_a_just_started_escalation_has_only_its_time_in_state() -> None:
    told = Told().at(NOW, start())

    measured = measures(told.trail, NOW + 90 * MINUTE)

    assert measured.durations["time_in_state"] == 5400.0
    assert {k for k, v in measured.durations.items() if v is None} == {
        "time_to_escalate",
        "time_to_manager",
        "time_to_team",
        "time_to_assessment",
        "time_to_plan",
        "time_to_agreed_plan",
        "time_to_resolution",
        "time_to_closure",
        "closure_to_review",
    }
    assert measured.time_at_level == {1: 5400.0}
    assert measured.is_open


def test_the_state_and_time_in_it_follow_the_last_change_of_state() -> None:
    told = Told().at(NOW, start()).at(NOW + HOUR, c.AssignManager(manager=MANAGER))
    told.at(NOW + 2 * HOUR, resolve())

    measured = measures(told.trail, NOW + 5 * HOUR)

    assert measured.trail.status == "monitoring"
    assert measured.durations["time_in_state"] == 3 * 3600.0


def test_automatic_raises_and_missed_deadlines_are_counted_by_kind() -> None:
    told = Told().at(NOW, start()).at(NOW, c.AssignManager(manager=MANAGER))
    told.at(NOW + HOUR, agreed_plan(review_by=NOW + 2 * HOUR))
    told.at(NOW + 3 * HOUR, c.RecordMissedPlanReview(plan_version=1, due_at=NOW + 2 * HOUR))
    told.at(NOW + 3 * HOUR, c.RecordMissedProgressUpdate(since_version=1, due_at=NOW + HOUR))
    told.at(NOW + 4 * HOUR, c.RaiseAutomatically(from_level=1, to_level=2, reason="overdue"))
    told.at(NOW + 5 * HOUR, c.RaiseLevel(level=3, reason="still down"))

    measured = measures(told.trail, NOW + 6 * HOUR).as_dict()

    assert measured["raises"] == {"manual": 1, "automatic": 1}
    assert measured["missed_deadlines"] == {"plan_review": 1, "progress_update": 1}
    assert measured["time_at_level"] == {"1": 4 * 3600.0, "2": 3600.0, "3": 3600.0}
    assert measured["time_to_agreed_plan"] == 3600.0


def test_a_withdrawn_escalation_stops_counting_at_its_level() -> None:
    told = Told().at(NOW, start()).at(NOW + HOUR, c.Withdraw(reason="misread payload"))

    measured = measures(told.trail, NOW + 10 * HOUR)

    assert measured.time_at_level == {1: 3600.0}
    assert measured.trail.status == "withdrawn"
    assert not measured.is_open
    assert measured.durations["time_to_closure"] is None


def test_a_corrected_customer_and_the_first_manager_time_are_kept() -> None:
    other = Customer(id="cust-right", name="Contoso", tier="gold")
    told = Told().at(NOW, start()).at(NOW + HOUR, c.AssignManager(manager=MANAGER))
    told.at(NOW + 2 * HOUR, c.CorrectDetails(reason="wrong customer", customer=other))
    told.at(NOW + 3 * HOUR, c.AssignManager(manager=MANAGER.model_copy(update={"id": "u-2"})))

    trail = told.trail

    assert (trail.customer_id, trail.customer_name) == ("cust-right", "Contoso")
    assert trail.manager_id == "u-2"
    assert measures(trail, NOW + 4 * HOUR).durations["time_to_manager"] == 3600.0


def test_a_trail_survives_its_json_and_goes_on_folding() -> None:
    told = whole_process()
    halfway = trail_of(told.timed[:6])
    assert halfway is not None

    resumed = trail_of(told.timed[6:], Trail.from_json(halfway.to_json()))

    assert resumed == told.trail


def test_an_event_before_the_start_is_refused() -> None:
    told = Told().at(NOW, start(), c.AssignManager(manager=MANAGER))

    with pytest.raises(ValueError, match="before EscalationStarted"):
        advance(None, told.timed[1][0], NOW)
