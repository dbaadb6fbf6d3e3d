"""Reading values out of payloads whose shape is not trusted."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ec_intake.webhooks import InvalidPayload
from ec_intake.webhooks.extract import as_bool, as_id, as_name, as_time, dig, first_present

PAYLOAD: dict[str, Any] = {
    "alerts": [{"labels": {"severity": "critical"}}],
    "company": {"value": "31bea3d5", "display_value": "Northwind", "link": "https://x"},
    "empty_ref": {"value": "", "display_value": ""},
    "orgs": [{"id": 7, "name": "Contoso"}],
}


def test_a_dotted_path_walks_objects_and_indexes_lists() -> None:
    assert dig(PAYLOAD, "alerts.0.labels.severity") == "critical"
    assert dig(PAYLOAD, "alerts.1.labels") is None
    assert dig(PAYLOAD, "alerts.first") is None
    assert dig(PAYLOAD, "company.value.deeper") is None


def test_the_first_path_holding_a_value_wins_and_empty_references_hold_none() -> None:
    assert first_present(PAYLOAD, ("empty_ref", "missing", "company")) == (
        "company",
        PAYLOAD["company"],
    )
    assert first_present(PAYLOAD, "empty_ref") is None


def test_references_give_their_identifier_or_their_name() -> None:
    assert (as_id(PAYLOAD["company"]), as_name(PAYLOAD["company"])) == ("31bea3d5", "Northwind")
    assert (as_id(PAYLOAD["orgs"]), as_name(PAYLOAD["orgs"])) == ("7", "Contoso")
    assert as_id(True) is None


@pytest.mark.parametrize(
    "value",
    [
        "2024-03-01T09:12:05Z",
        "2024-03-01T10:12:05.000+0100",
        "2024-03-01 09:12:05",
        1709284325,
        1709284325000,
        {"value": "2024-03-01 09:12:05", "display_value": "03/01/2024 10:12:05"},
    ],
)
def test_times_in_each_platform_format_are_read_as_aware_times(value: Any) -> None:
    assert as_time(value, "t") == datetime(2024, 3, 1, 9, 12, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("No", False),
        ({"value": "false", "display_value": "false"}, False),
        ({"completedCycles": [{"breached": True}], "ongoingCycle": {"breached": False}}, True),
        ({"completedCycles": [], "ongoingCycle": {"breached": False}}, False),
    ],
)
def test_booleans_in_their_usual_spellings_and_sla_cycles(value: Any, expected: bool) -> None:
    assert as_bool(value, "b") is expected


def test_a_word_that_is_not_a_boolean_is_invalid_naming_where_it_was() -> None:
    with pytest.raises(InvalidPayload) as raised:
        as_bool("maybe", "sla.breached")

    assert raised.value.field == "sla.breached"


@pytest.mark.parametrize("value", ["yesterday", "2024-13-45T00:00:00Z", 10**30, float("nan")])
def test_a_value_that_is_no_time_is_invalid_naming_where_it_was(value: Any) -> None:
    with pytest.raises(InvalidPayload) as raised:
        as_time(value, "event.occurred_at")

    assert raised.value.field == "event.occurred_at"
