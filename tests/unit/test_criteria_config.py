"""The escalation criteria as configuration: a YAML rule set, its version, its refusals,
the shipped defaults, and the window rule fed with recent counts."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ec_escalation.domain.criteria import (
    InvalidCriteria,
    Repeated,
    default_rules,
    load_rules,
    parse_rules,
)
from ec_events.base import Priority
from ec_events.incidents import IncidentReported
from harness.factories import incident_body

DAY = timedelta(days=1)

CUSTOM = """\
version: ops-2026-11
rules:
  - id: p1-or-p2
    description: the two top priorities
    when: {priority: [P1, P2]}
  - id: key-customer-breach
    when: {tier: [Gold, strategic], sla_breached: true}
  - id: reopened-thrice
    when: {min_reopen_count: 3}
  - id: asked
    when: {customer_request: true}
  - id: storm
    description: three incidents of one customer on one service within a day
    when: {repeated: {count: 3, within: P1D}}
  - id: p3-burst
    when: {priority: [P3], repeated: {count: 5, within: PT4H}}
"""


def incident(**overrides: Any) -> IncidentReported:
    fields = {"priority": "P4", "customer": customer("bronze"), **overrides}
    return IncidentReported.model_validate({**incident_body(**fields), "incident_id": uuid.uuid4()})


def customer(tier: str) -> dict[str, str]:
    return {"id": f"cust-{uuid.uuid4().hex[:6]}", "name": "Northwind", "tier": tier}


# --- parsing -----------------------------------------------------------------------------


def test_a_custom_rule_set_keeps_every_rule_in_order_with_its_conditions() -> None:
    rules = parse_rules(CUSTOM, source="ops.yaml")

    assert rules.version == "ops-2026-11"
    assert rules.source == "ops.yaml"
    assert [rule.id for rule in rules.rules] == [
        "p1-or-p2",
        "key-customer-breach",
        "reopened-thrice",
        "asked",
        "storm",
        "p3-burst",
    ]
    by_id = {rule.id: rule for rule in rules.rules}
    assert by_id["p1-or-p2"].when.priority == ("P1", "P2")
    assert by_id["p1-or-p2"].description == "the two top priorities"
    assert by_id["key-customer-breach"].when.tier == ("Gold", "strategic")
    assert by_id["key-customer-breach"].when.sla_breached is True
    assert by_id["reopened-thrice"].when.min_reopen_count == 3
    assert by_id["asked"].when.customer_request is True
    assert by_id["storm"].when.repeated == Repeated(count=3, within=DAY)
    assert by_id["p3-burst"].when.repeated == Repeated(count=5, within=timedelta(hours=4))


def test_a_numeric_version_is_kept_as_text() -> None:
    assert parse_rules("version: 7\nrules: []\n", source="x.yaml").version == "7"


def test_without_a_version_the_content_names_it() -> None:
    text = "rules:\n  - id: p1\n    when: {priority: [P1]}\n"

    rules = parse_rules(text, source="x.yaml")

    assert rules.version == "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:12]
    assert parse_rules(text, source="elsewhere.yaml").version == rules.version


def test_editing_a_rule_set_without_a_version_changes_its_version() -> None:
    text = "rules:\n  - id: p1\n    when: {priority: [P1]}\n"
    edited = text.replace("[P1]", "[P1, P2]")

    assert (
        parse_rules(edited, source="x.yaml").version != parse_rules(text, source="x.yaml").version
    )
    assert parse_rules(edited, source="x.yaml").version.startswith("sha256:")


def test_an_explicit_version_is_kept_whatever_else_changes() -> None:
    edited = CUSTOM.replace("count: 3", "count: 4")
    assert parse_rules(edited, source="x.yaml").version == "ops-2026-11"


def test_duplicate_rule_ids_are_refused() -> None:
    text = "rules:\n  - {id: p1, when: {priority: [P1]}}\n  - {id: p1, when: {priority: [P2]}}\n"
    with pytest.raises(InvalidCriteria, match=r"^dup\.yaml: rule ids must be unique"):
        parse_rules(text, source="dup.yaml")


@pytest.mark.parametrize(
    ("when", "key"),
    [
        ("{severity: [P1]}", "severity"),
        ("{priority: [P1], colour: red}", "colour"),
        ("{repeated: {count: 3, within: P1D, per: service}}", "per"),
    ],
    ids=["unknown key", "unknown key beside a known one", "unknown key in a window"],
)
def test_an_unknown_condition_is_refused_naming_the_source_and_the_key(when: str, key: str) -> None:
    text = f"rules:\n  - id: r\n    when: {when}\n"

    with pytest.raises(InvalidCriteria) as refused:
        parse_rules(text, source="/etc/ec/criteria.yaml")

    message = str(refused.value)
    assert message.startswith("/etc/ec/criteria.yaml: ")
    assert f"when.{key}" in message or f"repeated.{key}" in message
    assert "Extra inputs are not permitted" in message


def test_an_unknown_key_in_a_rule_is_refused() -> None:
    text = "rules:\n  - id: r\n    when: {priority: [P1]}\n    enabled: false\n"
    with pytest.raises(InvalidCriteria, match="enabled"):
        parse_rules(text, source="x.yaml")


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("rules:\n  - id: r\n    when: {priority: [P9]}\n", "priority"),
        ("rules:\n  - id: r\n    when: {priority: P1}\n", "priority"),
        ("rules:\n  - id: r\n    when: {min_reopen_count: 0}\n", "min_reopen_count"),
        ("rules:\n  - id: r\n    when: {repeated: {count: 1, within: P1D}}\n", "count"),
        ("rules:\n  - id: r\n    when: {repeated: {count: 3, within: soon}}\n", "within"),
        ("rules:\n  - id: r\n    when: {repeated: {count: 3}}\n", "within"),
        ("rules:\n  - id: r\n", "when"),
        ("rules:\n  - id: ''\n    when: {priority: [P1]}\n", "id"),
    ],
    ids=[
        "unknown priority",
        "priority not a list",
        "reopen count below 1",
        "window count below 2",
        "window not a duration",
        "window without a duration",
        "rule without conditions",
        "empty id",
    ],
)
def test_an_invalid_condition_is_refused_naming_the_field(text: str, field: str) -> None:
    with pytest.raises(InvalidCriteria, match=field):
        parse_rules(text, source="x.yaml")


@pytest.mark.parametrize(
    "text", ["rules: [\n", "rules:\n  - id: a\n   when: x\n  bad: [", "key: 'unclosed\n"]
)
def test_text_that_is_not_yaml_is_refused(text: str) -> None:
    with pytest.raises(InvalidCriteria, match=r"^broken\.yaml: not YAML"):
        parse_rules(text, source="broken.yaml")


@pytest.mark.parametrize("text", ["", "- p1\n- p2\n", "just words\n", "42\n"])
def test_yaml_that_is_not_a_mapping_is_refused(text: str) -> None:
    with pytest.raises(InvalidCriteria, match=r"^x\.yaml: expected a mapping with `rules`"):
        parse_rules(text, source="x.yaml")


# --- loading -----------------------------------------------------------------------------


def test_a_rule_file_is_loaded_with_its_path_as_the_source(tmp_path: Path) -> None:
    path = tmp_path / "criteria.yaml"
    path.write_text(CUSTOM)

    rules = load_rules(str(path))

    assert rules.source == str(path)
    assert rules == parse_rules(CUSTOM, source=str(path))


def test_a_broken_rule_file_is_refused_naming_its_path(tmp_path: Path) -> None:
    path = tmp_path / "criteria.yaml"
    path.write_text("rules:\n  - id: r\n    when: {severity: [P1]}\n")
    with pytest.raises(InvalidCriteria, match=str(path)):
        load_rules(str(path))


@pytest.mark.parametrize("path", [None, ""])
def test_no_rule_file_means_the_shipped_defaults(path: str | None) -> None:
    assert load_rules(path) == default_rules()


# --- the shipped defaults ----------------------------------------------------------------


def test_the_shipped_defaults_are_versioned_and_name_their_source() -> None:
    rules = default_rules()
    assert rules.version == "default-1"
    assert rules.source == "built-in defaults"
    assert [rule.id for rule in rules.rules] == [
        "p1",
        "p2-key-customer",
        "sla-breached",
        "reopened",
        "customer-request",
    ]


@pytest.mark.parametrize("tier", ["bronze", "silver", "gold", "strategic", "unknown"])
def test_every_p1_escalates_whatever_the_customer(tier: str) -> None:
    assert default_rules().fired_by(incident(priority="P1", customer=customer(tier))) == ("p1",)


@pytest.mark.parametrize("tier", ["gold", "strategic", "Gold", "STRATEGIC"])
def test_a_p2_of_a_gold_or_strategic_customer_escalates(tier: str) -> None:
    fired = default_rules().fired_by(incident(priority="P2", customer=customer(tier)))
    assert fired == ("p2-key-customer",)


@pytest.mark.parametrize("priority", ["P2", "P3", "P4", "P5"])
@pytest.mark.parametrize("tier", ["bronze", "silver"])
def test_an_ordinary_incident_of_a_bronze_or_silver_customer_does_not_escalate(
    priority: Priority, tier: str
) -> None:
    assert default_rules().fired_by(incident(priority=priority, customer=customer(tier))) == ()


@pytest.mark.parametrize("priority", ["P3", "P4", "P5"])
def test_a_lower_priority_of_a_gold_customer_does_not_escalate_by_itself(priority: str) -> None:
    assert default_rules().fired_by(incident(priority=priority, customer=customer("gold"))) == ()


def test_a_breached_sla_escalates() -> None:
    assert default_rules().fired_by(incident(sla_breached=True)) == ("sla-breached",)


@pytest.mark.parametrize(
    ("reopens", "fired"), [(0, ()), (1, ()), (2, ("reopened",)), (5, ("reopened",))]
)
def test_an_incident_reopened_twice_or_more_escalates(reopens: int, fired: tuple[str, ...]) -> None:
    assert default_rules().fired_by(incident(reopen_count=reopens)) == fired


def test_the_customers_request_escalates() -> None:
    fired = default_rules().fired_by(incident(customer_escalation_requested=True))
    assert fired == ("customer-request",)


def test_every_rule_that_fires_is_named_in_the_order_of_the_file() -> None:
    worst = incident(
        priority="P1",
        sla_breached=True,
        reopen_count=3,
        customer_escalation_requested=True,
    )
    assert default_rules().fired_by(worst) == ("p1", "sla-breached", "reopened", "customer-request")


def test_the_shipped_window_rule_is_off() -> None:
    assert default_rules().fired_by(incident(), {DAY: 100}) == ()


# --- custom rules and recent counts ------------------------------------------------------


def test_every_condition_of_a_rule_must_hold() -> None:
    rules = parse_rules(CUSTOM, source="ops.yaml")
    gold = customer("gold")

    assert rules.fired_by(incident(customer=gold, sla_breached=True)) == ("key-customer-breach",)
    assert rules.fired_by(incident(customer=gold)) == ()
    assert rules.fired_by(incident(customer=customer("silver"), sla_breached=True)) == ()


def test_a_list_of_priorities_fires_for_any_of_them() -> None:
    rules = parse_rules(CUSTOM, source="ops.yaml")
    assert rules.fired_by(incident(priority="P1")) == ("p1-or-p2",)
    assert rules.fired_by(incident(priority="P2")) == ("p1-or-p2",)
    assert rules.fired_by(incident(priority="P3")) == ()


def test_a_rule_can_ask_for_an_sla_that_is_not_breached() -> None:
    rules = parse_rules("rules:\n  - {id: calm, when: {sla_breached: false}}\n", source="x.yaml")
    assert rules.fired_by(incident(sla_breached=False)) == ("calm",)
    assert rules.fired_by(incident(sla_breached=True)) == ()


def test_the_reopen_threshold_is_the_configured_one() -> None:
    rules = parse_rules(CUSTOM, source="ops.yaml")
    assert rules.fired_by(incident(reopen_count=2)) == ()
    assert rules.fired_by(incident(reopen_count=3)) == ("reopened-thrice",)


@pytest.mark.parametrize(
    ("counts", "fired"),
    [
        ({DAY: 3}, ("storm",)),
        ({DAY: 7}, ("storm",)),
        ({DAY: 2}, ()),
        ({timedelta(hours=24): 3}, ("storm",)),
        ({timedelta(hours=12): 3}, ()),
        ({}, ()),
        (None, ()),
    ],
    ids=[
        "at the count",
        "above",
        "below",
        "same window spelt in hours",
        "another window",
        "empty counts",
        "no counts",
    ],
)
def test_the_window_rule_fires_on_the_count_for_its_own_window(
    counts: dict[timedelta, int] | None, fired: tuple[str, ...]
) -> None:
    rules = parse_rules(CUSTOM, source="ops.yaml")
    assert rules.fired_by(incident(), counts) == fired


def test_each_window_rule_reads_the_count_of_its_own_window() -> None:
    rules = parse_rules(CUSTOM, source="ops.yaml")
    counts = {DAY: 5, timedelta(hours=4): 5}

    assert rules.fired_by(incident(priority="P3"), counts) == ("storm", "p3-burst")
    assert rules.fired_by(incident(priority="P3"), {DAY: 5, timedelta(hours=4): 4}) == ("storm",)
    assert rules.fired_by(incident(priority="P4"), counts) == ("storm",)


def test_an_empty_rule_set_escalates_nothing() -> None:
    rules = parse_rules("version: empty-1\nrules: []\n", source="x.yaml")
    assert rules.rules == ()
    assert rules.fired_by(incident(priority="P1", sla_breached=True)) == ()


def test_a_rule_without_any_condition_is_refused() -> None:
    with pytest.raises(InvalidCriteria, match="everything has no condition"):
        parse_rules("rules:\n  - id: everything\n    when: {}\n", source="mine.yaml")


@pytest.mark.parametrize("version", ["0", "off", "no"])
def test_a_version_that_yaml_reads_as_false_is_still_the_version(version: str) -> None:
    rules = parse_rules(f"version: {version}\nrules: []\n", source="mine.yaml")
    assert not rules.version.startswith("sha256:")
