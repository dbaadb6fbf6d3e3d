"""How the console names an incident's or a problem's record on its platform."""

from __future__ import annotations

import uuid

import pytest

from ec_console.views.display import incident_platforms, link_platform, platform_label


@pytest.mark.parametrize(
    ("record", "label"),
    [
        (
            {"platform": "servicenow", "record_id": "9d38", "number": "INC0012345"},
            "ServiceNow INC0012345",
        ),
        (
            {"platform": "servicenow", "record_id": "0a1b", "number": "PRB0040001"},
            "ServiceNow PRB0040001",
        ),
        ({"platform": "jira", "record_id": "SUP-42", "number": None}, "Jira SUP-42"),
        ({"platform": "pagerduty", "record_id": "Q2LJ4TZ", "number": "1234"}, "PagerDuty #1234"),
        ({"platform": "pagerduty", "record_id": "Q2LJ4TZ", "number": None}, "PagerDuty Q2LJ4TZ"),
    ],
)
def test_a_record_is_named_as_its_platform_s_people_know_it(
    record: dict[str, str | None], label: str
) -> None:
    assert platform_label(record) == label


def test_each_incident_with_a_record_is_labelled_and_the_others_are_not() -> None:
    # given an escalation whose first incident came from Jira
    jira, other = str(uuid.uuid4()), str(uuid.uuid4())
    escalation = {
        "incident_ids": [jira, other],
        "incident_records": [
            {"incident_id": jira, "record": {"platform": "jira", "record_id": "SUP-42"}}
        ],
    }

    # then only that one is labelled
    assert incident_platforms(escalation) == {jira: "Jira SUP-42"}


def test_an_escalation_from_an_older_service_without_records_labels_nothing() -> None:
    assert incident_platforms({"incident_ids": [str(uuid.uuid4())]}) == {}


def test_a_link_known_by_its_platform_number_names_only_the_platform() -> None:
    record = {"platform": "servicenow", "record_id": "0a1b", "number": "PRB0040001"}

    assert link_platform({"kind": "problem", "ref": "PRB0040001", "platform_record": record}) == (
        "on ServiceNow"
    )


def test_a_link_by_another_name_shows_its_platform_record_in_full() -> None:
    record = {"platform": "pagerduty", "record_id": "Q2LJ4TZ", "number": "1187"}
    link = {"kind": "incident", "ref": "3f1c0e4e-0000-4000-8000-000000000001"}

    assert link_platform(link | {"platform_record": record}) == "PagerDuty #1187"
    assert link_platform(link | {"platform_record": None}) == ""
