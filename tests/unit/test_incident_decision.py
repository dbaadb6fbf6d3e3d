"""What an incident event means, given what the store knew when it arrived:
start an escalation, reopen a resolved one, or nothing. Pure, like decide."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from ec_escalation.domain import commands as c
from ec_escalation.domain.criteria import default_rules, parse_rules
from ec_escalation.domain.incident_decision import (
    ESCALATION_NAMESPACE,
    Decision,
    Known,
    LinkedEscalation,
    Verdict,
    decide_for_incident,
)
from ec_events.base import PlatformRecord
from ec_events.escalations import IncidentRecord
from ec_events.incidents import IncidentFacts, IncidentReported, IncidentResolved, IncidentUpdated
from harness.factories import incident_body

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


def verdict(event: IncidentFacts, known: Known = NOTHING_KNOWN, **options: Any) -> Verdict:
    message_id = options.pop("message_id", str(uuid.uuid4()))
    rules = options.pop("rules", RULES)
    return decide_for_incident(event, known, rules=rules, message_id=message_id)


def when(event: IncidentFacts, known: Known = NOTHING_KNOWN, **options: Any) -> Decision:
    """The command the verdict names, on which escalation (None: nothing to do)."""
    return verdict(event, known, **options).chosen


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


# --- the decision explained ----------------------------------------------------------------


def test_an_incident_that_escalates_nothing_says_which_rules_did_not_match_and_why() -> None:
    quiet = reported(priority="P4", customer={"id": "c-9", "name": "C", "tier": "silver"})

    decided = verdict(quiet)

    assert decided.outcome == "nothing"
    assert decided.explanation == "P4 for a silver customer (c-9) on payments-eu: no rule fired"
    assert decided.escalation_id is None
    assert [check.id for check in decided.rules] == [rule.id for rule in RULES.rules]
    assert not any(check.matched for check in decided.rules)
    unmet = {check.id: check.unmet for check in decided.rules}
    assert unmet["p1"] == ("priority is P4, not P1",)
    assert unmet["p2-key-customer"] == (
        "priority is P4, not P2",
        "tier is silver, not gold or strategic",
    )
    assert unmet["sla-breached"] == ("the SLA is not breached",)
    assert unmet["reopened"] == ("reopened 0 times, fewer than 2",)


def test_a_start_names_the_escalation_and_the_rules_that_fired() -> None:
    message_id = str(uuid.uuid4())

    decided = verdict(reported(priority="P1", sla_breached=True), message_id=message_id)

    assert decided.outcome == "started"
    assert decided.escalation_id == uuid.uuid5(ESCALATION_NAMESPACE, message_id)
    assert decided.fired == ("p1", "sla-breached")
    assert decided.explanation == (
        f"rules fired (p1, sla-breached): started escalation {decided.escalation_id}"
    )


def test_an_incident_with_an_open_escalation_is_linked_to_it() -> None:
    known = linked("active")
    assert known.linked is not None

    decided = verdict(reported(priority="P1"), known)

    assert (decided.outcome, decided.escalation_id, decided.command) == (
        "linked",
        known.linked.id,
        None,
    )
    assert "already has an open escalation" in decided.explanation
    assert decided.fired == ("p1",)


def test_a_reopening_names_the_escalation_it_reopens() -> None:
    resolved_id = uuid.uuid4()
    decided = verdict(reported(priority="P1"), Known(latest_resolved=resolved_id))
    assert (decided.outcome, decided.escalation_id) == ("reopened", resolved_id)

    known = linked("monitoring")
    decided = verdict(updated(("status",), status="in progress"), known)
    assert known.linked is not None
    assert (decided.outcome, decided.escalation_id) == ("reopened", known.linked.id)


def test_a_resolved_incident_is_explained_too() -> None:
    event = IncidentResolved.model_validate(
        {**incident_body(priority="P1"), "incident_id": uuid.uuid4()}
    )
    assert verdict(event).outcome == "nothing"
    known = linked("active")
    assert known.linked is not None
    assert (verdict(event, known).outcome, verdict(event, known).escalation_id) == (
        "linked",
        known.linked.id,
    )


def test_deciding_is_pure_the_same_question_gets_the_same_answer() -> None:
    event, message_id = reported(priority="P2"), str(uuid.uuid4())
    assert verdict(event, message_id=message_id) == verdict(event, message_id=message_id)


# --- after a withdrawal --------------------------------------------------------------------


def test_an_update_that_changes_nothing_the_criteria_look_at_does_not_start_again() -> None:
    withdrawn = uuid.uuid4()

    decided = verdict(updated(("title",), priority="P1"), Known(withdrawn=withdrawn))

    assert decided.outcome == "nothing"
    assert str(withdrawn) in decided.explanation
    assert "withdrawn" in decided.explanation


@pytest.mark.parametrize("changed", ["priority", "sla_breached", "customer", "reopen_count"])
def test_an_update_to_what_the_criteria_look_at_may_start_a_new_escalation(changed: str) -> None:
    decided = verdict(updated((changed,), priority="P1"), Known(withdrawn=uuid.uuid4()))
    assert decided.outcome == "started"
    assert isinstance(decided.command, c.StartEscalation)


def test_a_first_report_of_an_incident_a_withdrawn_manual_start_named_is_judged_afresh() -> None:
    assert verdict(reported(priority="P1"), Known(withdrawn=uuid.uuid4())).outcome == "started"


# --- a stand-in customer (customer_resolved: false) ----------------------------------------

STAND_IN = {"id": "unknown", "name": "Unknown customer", "tier": "gold"}


def test_a_p1_of_a_stand_in_customer_still_starts_an_escalation() -> None:
    decided = verdict(reported(priority="P1", customer=STAND_IN, customer_resolved=False))
    assert decided.outcome == "started"
    assert decided.fired == ("p1",)


def test_customer_tier_rules_do_not_fire_for_a_stand_in_customer() -> None:
    decided = verdict(reported(priority="P2", customer=STAND_IN, customer_resolved=False))

    assert decided.outcome == "nothing"
    assert "stand-in customer (unknown, not resolved)" in decided.explanation
    [tier_rule] = [check for check in decided.rules if check.id == "p2-key-customer"]
    assert tier_rule.unmet == ("tier: the customer is a stand-in (not resolved)",)


def test_a_stand_in_customer_counts_for_no_repeat_window() -> None:
    decided = verdict(
        reported(priority="P4", customer=STAND_IN, customer_resolved=False),
        Known(recent_counts={DAY: 9}),
        rules=REPEATED,
    )

    assert decided.outcome == "nothing"
    assert "stand-in" in decided.rules[0].unmet[0]


def test_a_stand_in_customer_reopens_no_resolved_escalation_by_customer_and_service() -> None:
    decided = verdict(
        reported(priority="P1", customer=STAND_IN, customer_resolved=False),
        Known(latest_resolved=uuid.uuid4()),
    )
    assert decided.outcome == "started"


def test_the_platform_reopening_an_incident_of_a_stand_in_customer_still_reopens_its_own() -> None:
    known = linked("monitoring")
    event = updated(("status",), status="in progress", customer=STAND_IN, customer_resolved=False)
    assert verdict(event, known).outcome == "reopened"


# --- platform records ----------------------------------------------------------------------

SNOW = {"platform": "servicenow", "record_id": "9d385017c611228701d22104", "number": "INC0012345"}


def test_an_escalation_started_from_an_incident_carries_its_platform_record() -> None:
    # given a P1 from ServiceNow that names its record
    incident = reported(priority="P1", platform_record=SNOW)

    # when it starts an escalation
    decision = when(incident)

    # then the start command names the incident's record
    assert decision is not None
    _, start = decision
    assert isinstance(start, c.StartEscalation)
    assert start.incident_records == (
        IncidentRecord(incident_id=incident.incident_id, record=PlatformRecord(**SNOW)),
    )


def test_an_incident_without_a_platform_record_starts_an_escalation_without_one() -> None:
    decision = when(reported(priority="P1"))

    assert decision is not None
    _, start = decision
    assert isinstance(start, c.StartEscalation)
    assert start.incident_records == ()


def test_a_new_matching_incident_reopening_an_escalation_brings_its_platform_record() -> None:
    incident = reported(priority="P1", platform_record=SNOW)

    decision = when(incident, Known(latest_resolved=uuid.uuid4()))

    assert decision is not None
    _, recurrence = decision
    assert isinstance(recurrence, c.ReportRecurrence)
    assert recurrence.platform_record == PlatformRecord(**SNOW)


def test_the_platform_reopening_an_incident_brings_its_platform_record() -> None:
    incident = updated(("status",), status="in progress", platform_record=SNOW)

    decision = when(incident, linked("monitoring"))

    assert decision is not None
    _, recurrence = decision
    assert isinstance(recurrence, c.ReportRecurrence)
    assert recurrence.platform_record == PlatformRecord(**SNOW)
