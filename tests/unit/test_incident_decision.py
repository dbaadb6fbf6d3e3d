"""What an incident event means, given what the store knew when it arrived:
start an escalation, reopen a resolved one, or nothing. Pure, like decide."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from ec_escalation import commands as c
from ec_escalation.criteria import default_rules, parse_rules
from ec_escalation.incident_decision import (
    ESCALATION_NAMESPACE,
    Decision,
    Known,
    LinkedEscalation,
    decide_for_incident,
)
from ec_events.incidents import IncidentFacts, IncidentReported, IncidentResolved, IncidentUpdated
from tests.support.factories import incident_body

RULES = default_rules()
DAY = timedelta(days=1)
REPEATED = parse_rules(
    "version: r-1\nrules:\n  - id: thrice\n    when: {repeated: {count: 3, within: P1D}}\n",
    source="test",
)


def reported(**overrides: Any) -> IncidentReported:
    return IncidentReported.model_validate(
        {**incident_body(**overrides), "incident_id": uuid.uuid4()}
    )


def updated(changed: tuple[str, ...], **overrides: Any) -> IncidentUpdated:
    return IncidentUpdated.model_validate(
        {**incident_body(**overrides), "incident_id": uuid.uuid4(), "changed": changed}
    )


NOTHING_KNOWN = Known()


def when(event: IncidentFacts, known: Known = NOTHING_KNOWN, **options: Any) -> Decision:
    message_id = options.pop("message_id", str(uuid.uuid4()))
    rules = options.pop("rules", RULES)
    return decide_for_incident(event, known, rules=rules, message_id=message_id)


def linked(status: str) -> Known:
    return Known(linked=LinkedEscalation(uuid.uuid4(), status))


# --- start -------------------------------------------------------------------------------


def test_an_incident_that_meets_the_criteria_starts_an_escalation_naming_them() -> None:
    incident = reported(priority="P1", sla_breached=True)

    decision = when(incident)

    assert decision is not None
    _, start = decision
    assert isinstance(start, c.StartEscalation)
    assert start.trigger == "automatic"
    assert start.criteria == ("p1", "sla-breached")
    assert start.criteria_version == RULES.version
    assert start.reason == "escalation criteria met: p1, sla-breached"
    assert start.incident_ids == (incident.incident_id,)
    assert (start.title, start.priority) == (incident.title, incident.priority)
    assert (start.customer, start.service) == (incident.customer, incident.service)


def test_the_started_escalations_id_derives_from_the_message_so_a_redelivery_repeats_it() -> None:
    incident = reported(priority="P1")
    message_id = str(uuid.uuid4())

    first = when(incident, message_id=message_id)
    again = when(incident, message_id=message_id)

    assert first is not None
    assert again is not None
    assert first[0] == again[0] == uuid.uuid5(ESCALATION_NAMESPACE, message_id)


def test_an_incident_that_meets_no_criterion_starts_nothing() -> None:
    quiet = reported(priority="P4", customer={"id": "c", "name": "C", "tier": "bronze"})
    assert when(quiet) is None


def test_a_resolved_incident_starts_nothing_even_when_it_meets_the_criteria() -> None:
    resolved = IncidentResolved.model_validate(
        {**incident_body(priority="P1"), "incident_id": uuid.uuid4()}
    )
    assert when(resolved) is None


# --- an incident already escalated ---------------------------------------------------------


@pytest.mark.parametrize("status", ["active", "monitoring", "monitoring_passed"])
def test_a_report_of_an_incident_with_an_open_escalation_starts_no_second_one(status: str) -> None:
    assert when(reported(priority="P1"), linked(status)) is None


@pytest.mark.parametrize("status", ["monitoring", "monitoring_passed"])
def test_an_incident_the_platform_reopens_reopens_its_resolved_escalation(status: str) -> None:
    incident = updated(("status",), status="in progress")
    known = linked(status)

    decision = when(incident, known)

    assert known.linked is not None
    assert decision is not None
    escalation_id, recurrence = decision
    assert escalation_id == known.linked.id
    assert isinstance(recurrence, c.ReportRecurrence)
    assert recurrence.incident_id == incident.incident_id
    assert "reopened (in progress)" in recurrence.note


def test_a_reopened_incident_whose_escalation_is_still_active_changes_nothing() -> None:
    assert when(updated(("status",), status="in progress"), linked("active")) is None


@pytest.mark.parametrize(
    ("changed", "status"),
    [(("title",), "in progress"), (("status",), "resolved"), (("status",), "closed")],
)
def test_an_update_that_does_not_reopen_the_incident_changes_nothing(
    changed: tuple[str, ...], status: str
) -> None:
    assert when(updated(changed, status=status), linked("monitoring")) is None


# --- a new matching incident -------------------------------------------------------------


def test_a_new_matching_incident_reopens_the_resolved_escalation_of_that_customer_and_service() -> (
    None
):
    resolved_id = uuid.uuid4()
    incident = reported(priority="P1")

    decision = when(incident, Known(latest_resolved=resolved_id))

    assert decision is not None
    escalation_id, recurrence = decision
    assert escalation_id == resolved_id
    assert isinstance(recurrence, c.ReportRecurrence)
    assert recurrence.incident_id == incident.incident_id
    assert recurrence.note.startswith("new matching incident servicenow/")


def test_a_new_incident_that_meets_no_criterion_leaves_the_resolved_escalation_alone() -> None:
    quiet = reported(priority="P5", customer={"id": "c", "name": "C", "tier": "silver"})
    assert when(quiet, Known(latest_resolved=uuid.uuid4())) is None


# --- repeated incidents ------------------------------------------------------------------


@pytest.mark.parametrize(("count", "starts"), [(1, False), (2, False), (3, True), (7, True)])
def test_a_repeat_rule_fires_from_the_count_in_its_window(count: int, starts: bool) -> None:
    decision = when(reported(priority="P4"), Known(recent_counts={DAY: count}), rules=REPEATED)
    assert (decision is not None) == starts


def test_a_repeat_rule_without_a_count_for_its_window_counts_this_incident_alone() -> None:
    assert when(reported(priority="P4"), rules=REPEATED) is None


def test_the_windows_to_count_are_those_the_rules_name_once_each() -> None:
    rules = parse_rules(
        "rules:\n"
        "  - {id: a, when: {repeated: {count: 3, within: P1D}}}\n"
        "  - {id: b, when: {repeated: {count: 5, within: P1D}}}\n"
        "  - {id: c, when: {repeated: {count: 2, within: PT1H}}}\n"
        "  - {id: d, when: {priority: [P1]}}\n",
        source="test",
    )
    assert rules.windows == (DAY, timedelta(hours=1))
    assert RULES.windows == ()
