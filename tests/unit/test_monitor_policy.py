"""The monitor's judgement: which timers each escalation event sets or cancels,
and what a due timer asks for."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ec_events import escalations as e
from ec_events import monitor as m
from ec_events.base import Event
from ec_monitor.policy import (
    TIMER_KINDS,
    Plan,
    RaisePolicy,
    Timer,
    Watch,
    plan_timers,
    request_for,
    timer_id,
)

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
POLICY = RaisePolicy((timedelta(hours=4), timedelta(hours=8)))
ESCALATION = uuid.uuid4()


def plan(event: Event, watch: Watch | None = None, *, version: int = 5) -> Plan:
    return plan_timers(
        watch, event, event_id=uuid.uuid4(), at=NOW, stream_version=version, policy=POLICY
    )


def active(level: int = 1) -> Watch:
    return Watch(ESCALATION, "active", level)


def started(level: int = 1) -> e.EscalationStarted:
    return e.EscalationStarted(
        escalation_id=ESCALATION,
        trigger="automatic",
        reason="p1",
        title="t",
        level=level,
        started_at=NOW,
    )


def test_a_started_escalation_is_watched_and_may_climb_after_the_first_levels_wait() -> None:
    planned = plan(started())

    assert planned.watch == active()
    [raise_timer] = planned.set
    assert (raise_timer.kind, raise_timer.due_at, raise_timer.level) == (
        "auto_raise",
        NOW + timedelta(hours=4),
        1,
    )


def test_the_top_level_has_nothing_higher_to_ask_for() -> None:
    assert plan(started(level=3)).set == ()


def test_progress_sets_the_next_update_deadline_and_restarts_the_climb() -> None:
    due = NOW + timedelta(hours=1)
    planned = plan(
        e.ProgressReported(escalation_id=ESCALATION, note="n", next_update_due=due),
        active(level=2),
        version=7,
    )

    assert planned.cancel == {"progress_update", "auto_raise"}
    update, climb = planned.set
    assert (update.kind, update.due_at, update.since_version) == ("progress_update", due, 7)
    assert (climb.kind, climb.due_at, climb.level) == ("auto_raise", NOW + timedelta(hours=8), 2)


def test_a_revised_plan_replaces_the_review_deadline() -> None:
    review_by = NOW + timedelta(hours=2)
    planned = plan(
        e.PlanRevised(
            escalation_id=ESCALATION,
            plan_version=3,
            actions=(),
            customer_agreed=True,
            reason="r",
            review_by=review_by,
        ),
        active(),
    )

    assert planned.cancel == {"plan_review"}
    [review] = planned.set
    assert (review.kind, review.due_at, review.plan_version) == ("plan_review", review_by, 3)


def test_monitoring_sets_the_period_for_its_round_and_stops_the_climb() -> None:
    ends = NOW + timedelta(days=2)
    planned = plan(
        e.MonitoringStarted(
            escalation_id=ESCALATION,
            round=2,
            customer_confirmed=True,
            monitoring_period=timedelta(days=2),
            started_at=NOW,
            ends_at=ends,
        ),
        active(),
    )

    assert planned.watch == Watch(ESCALATION, "monitoring", 1)
    assert planned.cancel == {"monitoring_period", "auto_raise"}
    [period] = planned.set
    assert (period.kind, period.due_at, period.round) == ("monitoring_period", ends, 2)


def test_a_recurrence_cancels_the_monitoring_period_and_restarts_the_climb() -> None:
    planned = plan(
        e.EscalationReopened(escalation_id=ESCALATION, round=1, note="back"),
        Watch(ESCALATION, "monitoring", 2),
    )

    assert planned.watch == Watch(ESCALATION, "active", 2)
    assert "monitoring_period" in planned.cancel
    [climb] = planned.set
    assert (climb.kind, climb.level, climb.due_at) == ("auto_raise", 2, NOW + timedelta(hours=8))


def test_a_raise_moves_the_climb_to_the_new_level() -> None:
    planned = plan(
        e.EscalationLevelRaised(escalation_id=ESCALATION, from_level=1, to_level=2, reason="r"),
        active(),
    )

    assert planned.watch == active(level=2)
    [climb] = planned.set
    assert climb.level == 2


@pytest.mark.parametrize(
    "event",
    [
        e.EscalationClosed(escalation_id=ESCALATION, customer_agreement={"by": "Jo", "note": "ok"}),
        e.EscalationReviewed(escalation_id=ESCALATION, findings="f"),
    ],
)
def test_closing_cancels_every_timer(event: Event) -> None:
    planned = plan(event, Watch(ESCALATION, "monitoring_passed", 2))
    assert planned.cancel == set(TIMER_KINDS)
    assert planned.set == ()


def test_a_withdrawal_cancels_every_timer_and_sets_none() -> None:
    planned = plan(
        e.EscalationWithdrawn(escalation_id=ESCALATION, reason="misread payload"), active(level=2)
    )

    assert planned.watch == Watch(ESCALATION, "withdrawn", 2)
    assert planned.cancel == set(TIMER_KINDS)
    assert planned.set == ()


def test_a_correction_of_details_leaves_the_timers_alone() -> None:
    planned = plan(
        e.EscalationDetailsCorrected(
            escalation_id=ESCALATION,
            reason="wrong priority",
            priority=e.PriorityCorrection(old="P1", new="P2"),
        ),
        active(),
    )

    assert planned == Plan(active())


def test_an_event_of_an_escalation_never_seen_starting_sets_nothing() -> None:
    planned = plan(e.RecordLinked(escalation_id=ESCALATION, kind="problem", ref="PRB1"))
    assert planned == Plan(None)


def test_timers_take_their_ids_from_the_event_that_set_them() -> None:
    source = uuid.uuid4()
    assert timer_id(source, "plan_review") == timer_id(source, "plan_review")
    assert timer_id(source, "plan_review") != timer_id(source, "auto_raise")


@pytest.mark.parametrize(
    ("timer", "request_type", "fields"),
    [
        (
            Timer(uuid.uuid4(), ESCALATION, "monitoring_period", NOW, round=2),
            m.MonitoringPeriodElapsed,
            {"round": 2},
        ),
        (
            Timer(uuid.uuid4(), ESCALATION, "plan_review", NOW, plan_version=3),
            m.PlanReviewOverdue,
            {"plan_version": 3},
        ),
        (
            Timer(uuid.uuid4(), ESCALATION, "progress_update", NOW, since_version=9),
            m.ProgressOverdue,
            {"since_version": 9},
        ),
        (
            Timer(uuid.uuid4(), ESCALATION, "auto_raise", NOW, level=1),
            m.RaiseRequested,
            {"from_level": 1, "to_level": 2},
        ),
    ],
)
def test_a_due_timer_asks_for_what_its_kind_means_carrying_its_due_time_and_round(
    timer: Timer, request_type: type[Event], fields: dict[str, Any]
) -> None:
    request = request_for(timer, POLICY)

    assert isinstance(request, request_type)
    dumped = request.model_dump()
    assert dumped["due_at"] == NOW
    assert dumped["timer_id"] == timer.id
    assert {k: dumped[k] for k in fields} == fields


def test_an_automatic_raise_says_why() -> None:
    request = request_for(Timer(uuid.uuid4(), ESCALATION, "auto_raise", NOW, level=1), POLICY)
    assert isinstance(request, m.RaiseRequested)
    assert request.reason == "automatic: no progress at level 1 for 4 h"
