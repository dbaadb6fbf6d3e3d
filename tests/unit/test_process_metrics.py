"""The process metrics from the measures fold: given an escalation told at known
moments, when each step's observations reach the metrics, then the counters
and the histograms' counts and sums are what those moments make them."""

from __future__ import annotations

from datetime import datetime, timedelta

from ec_escalation.domain import commands as c
from ec_escalation.domain.measures import Trail, with_incident_time
from ec_escalation.domain.observations import Count, Duration, observations
from ec_escalation.process_metrics import ProcessMetrics
from ec_platform.http.metrics import Metrics
from harness.escalations import (
    MANAGER,
    NOW,
    Told,
    agreed_plan,
    close,
    plan,
    resolve,
    review,
    start,
)

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def walked(steps: list[tuple[datetime, c.Command]], metrics: ProcessMetrics) -> Trail:
    """Each step's observations, as each command's committed append tells them."""
    told, before = Told(), None
    for moment, command in steps:
        after = told.at(moment, command).trail
        metrics.observe(observations(before, after))
        before = after
    assert before is not None
    return before


def value(metrics: Metrics, name: str, **labels: str) -> float:
    found = metrics.registry.get_sample_value(name, labels)
    return 0.0 if found is None else float(found)


THE_PROCESS: list[tuple[datetime, c.Command]] = [
    (NOW, start(criteria=("p1", "sla_breached"))),
    (NOW + 10 * MINUTE, c.AssignManager(manager=MANAGER)),
    (NOW + 40 * MINUTE, c.AssessSituation(summary="EU down", impact="all", risk="fines")),
    (NOW + HOUR, agreed_plan(review_by=NOW + 10 * HOUR)),
    (NOW + 2 * HOUR, c.RaiseLevel(level=2, reason="directors must know")),
    (NOW + 3 * HOUR, resolve()),
    (NOW + 4 * HOUR, c.ReportRecurrence(note="502s again")),
    (NOW + 5 * HOUR, resolve()),
    (NOW + 29 * HOUR, c.PassMonitoring(round=2)),
    (NOW + 30 * HOUR, close()),
    (NOW + 54 * HOUR, review()),
]


def test_each_duration_is_observed_once_with_its_seconds() -> None:
    metrics = Metrics()

    walked(THE_PROCESS, ProcessMetrics(metrics))

    expected = {
        "time_to_manager": 600.0,
        "time_to_assessment": 2400.0,
        "time_to_plan": 3600.0,
        "time_to_agreed_plan": 3600.0,
        "time_to_resolution": 3 * 3600.0,
        "time_to_closure": 30 * 3600.0,
        "closure_to_review": 24 * 3600.0,
    }
    for measure, seconds in expected.items():
        name = f"ec_escalation_{measure}_seconds"
        assert value(metrics, f"{name}_count") == 1, measure
        assert value(metrics, f"{name}_sum") == seconds, measure
    # Never got there: no team; no incident time known to the pure fold.
    assert value(metrics, "ec_escalation_time_to_team_seconds_count") == 0
    assert value(metrics, "ec_escalation_time_to_escalate_seconds_count") == 0


def test_the_buckets_place_a_duration_between_minutes_and_days() -> None:
    metrics = Metrics()

    walked(THE_PROCESS, ProcessMetrics(metrics))

    bucket = "ec_escalation_time_to_manager_seconds_bucket"
    assert value(metrics, bucket, le="300.0") == 0  # 10 minutes is more than 5
    assert value(metrics, bucket, le="900.0") == 1
    closure = "ec_escalation_time_to_closure_seconds_bucket"
    assert value(metrics, closure, le="86400.0") == 0  # 30 hours is more than a day
    assert value(metrics, closure, le="172800.0") == 1


def test_starts_and_closures_count_under_each_rule_with_their_level() -> None:
    metrics = Metrics()

    walked(THE_PROCESS, ProcessMetrics(metrics))

    for rule in ("p1", "sla_breached"):
        assert value(metrics, "ec_escalation_started_total", criteria=rule, level="1") == 1
        assert value(metrics, "ec_escalation_closed_total", criteria=rule, level="2") == 1
    assert value(metrics, "ec_escalation_level_raises_total", mode="manual") == 1
    assert value(metrics, "ec_escalation_level_raises_total", mode="automatic") == 0
    assert value(metrics, "ec_escalation_recurrences_total") == 1
    assert value(metrics, "ec_escalation_monitoring_passed_total") == 1


def test_a_manual_start_counts_under_none() -> None:
    metrics = Metrics()

    walked([(NOW, start(trigger="manual", criteria=()))], ProcessMetrics(metrics))

    assert value(metrics, "ec_escalation_started_total", criteria="none", level="1") == 1


def test_missed_deadlines_and_automatic_raises_count_by_kind() -> None:
    metrics = Metrics()
    steps: list[tuple[datetime, c.Command]] = [
        (NOW, start()),
        (NOW, c.AssignManager(manager=MANAGER)),
        (NOW + HOUR, plan(review_by=NOW + 2 * HOUR)),
        (NOW + 3 * HOUR, c.RecordMissedPlanReview(plan_version=1, due_at=NOW + 2 * HOUR)),
        (NOW + 3 * HOUR, c.RecordMissedPlanReview(plan_version=1, due_at=NOW + 3 * HOUR)),
        (NOW + 4 * HOUR, c.RaiseAutomatically(from_level=1, to_level=2, reason="overdue")),
    ]

    walked(steps, ProcessMetrics(metrics))

    missed = "ec_escalation_deadlines_missed_total"
    assert value(metrics, missed, kind="plan_review") == 2
    assert value(metrics, missed, kind="progress_update") == 0
    assert value(metrics, "ec_escalation_level_raises_total", mode="automatic") == 1


def test_a_withdrawal_counts_as_withdrawn_and_never_as_closed() -> None:
    metrics = Metrics()

    walked([(NOW, start()), (NOW + HOUR, c.Withdraw(reason="misread"))], ProcessMetrics(metrics))

    assert value(metrics, "ec_escalation_withdrawn_total", criteria="p1", level="1") == 1
    assert value(metrics, "ec_escalation_closed_total", criteria="p1", level="1") == 0


def test_the_same_trail_again_observes_nothing() -> None:
    trail = Told().at(NOW, start()).at(NOW + HOUR, c.AssignManager(manager=MANAGER)).trail

    assert observations(trail, trail) == []


def test_the_time_to_escalate_comes_with_the_start_when_the_incident_time_is_known() -> None:
    trail = with_incident_time(Told().at(NOW, start()).trail, NOW - 30 * MINUTE)

    observed = observations(None, trail)

    assert Duration("time_to_escalate", 1800.0) in observed
    assert Count("started", (("criteria", "p1"), ("level", "1"))) in observed


def test_a_start_seen_together_with_a_raise_counts_at_the_level_it_started_at() -> None:
    """As for an escalation the read model missed, measured from its whole stream."""
    told = Told().at(NOW, start()).at(NOW, c.RaiseLevel(level=3, reason="executives"))

    observed = observations(None, told.trail)

    assert Count("started", (("criteria", "p1"), ("level", "1"))) in observed
    assert Count("level_raises", (("mode", "manual"),)) in observed
