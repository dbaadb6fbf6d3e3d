"""What each platform's webhook tells the intake about where to write back."""

from __future__ import annotations

import pytest

from ec_events.base import PlatformRecord
from ec_intake.webhooks import source_config, to_incidents
from tests.unit.webhooks.golden import config, example
from tests.unit.webhooks.test_generic import ACME


def test_a_servicenow_incident_is_written_back_by_its_sys_id_and_known_by_its_number() -> None:
    # given a ServiceNow incident as a business rule sends it
    payload = example("servicenow", "p1_new")

    # when it is read
    [incident] = to_incidents(payload, config("servicenow"))

    # then its record is addressed by sys_id, and shown by its INC number
    assert incident.platform_record == PlatformRecord(
        platform="servicenow", record_id="9d385017c611228701d22104cc95c371", number="INC0012345"
    )


def test_a_servicenow_table_api_result_with_display_values_gives_the_stored_values() -> None:
    [incident] = to_incidents(example("servicenow", "reference_objects"), config("servicenow"))

    assert incident.platform_record == PlatformRecord(
        platform="servicenow", record_id="a9e30c7dc61122760116894de7bcc7bd", number="INC0012399"
    )


def test_a_servicenow_record_without_sys_id_has_nothing_to_write_back_to() -> None:
    # given a record that names its number but not its sys_id
    payload = example("servicenow", "p1_new")
    del payload["sys_id"]

    [incident] = to_incidents(payload, config("servicenow"))

    # then it is still an incident, with no platform record
    assert incident.external_id == "INC0012345"
    assert incident.platform_record is None


def test_a_jira_issue_is_written_back_by_its_key_and_has_no_separate_number() -> None:
    [incident] = to_incidents(example("jira", "issue_created"), config("jira"))

    assert incident.platform_record == PlatformRecord(platform="jira", record_id="ITSM-482")


def test_a_pagerduty_incident_is_written_back_by_its_id_and_known_by_its_number() -> None:
    [incident] = to_incidents(example("pagerduty", "incident_triggered"), config("pagerduty"))

    assert incident.platform_record == PlatformRecord(
        platform="pagerduty", record_id="Q2LJ4TZ0ABC9PQ", number="1187"
    )


def test_a_pagerduty_incident_without_number_keeps_its_id_alone() -> None:
    payload = example("pagerduty", "incident_triggered")
    del payload["event"]["data"]["number"]

    [incident] = to_incidents(payload, config("pagerduty"))

    assert incident.platform_record == PlatformRecord(
        platform="pagerduty", record_id="Q2LJ4TZ0ABC9PQ"
    )


def test_alertmanager_alerts_have_no_record_to_write_back_to() -> None:
    incidents = to_incidents(
        example("alertmanager", "two_alerts_firing_and_resolved"), config("alertmanager")
    )

    assert [incident.platform_record for incident in incidents] == [None, None]


def test_a_declared_mapping_has_no_record_to_write_back_to() -> None:
    [incident] = to_incidents(example("generic", "acme_monitor"), source_config("acme", ACME))

    assert incident.platform_record is None


def test_a_servicenow_sys_id_too_long_to_be_one_leaves_the_incident_without_a_record() -> None:
    # The incident's identity is its number: a sys_id that is no sys_id is only
    # nothing to write back to.
    payload = example("servicenow", "p1_new") | {"sys_id": "x" * 201}

    [incident] = to_incidents(payload, config("servicenow"))

    assert incident.platform_record is None


@pytest.mark.parametrize(
    ("platform", "example_name", "where", "hostile"),
    [
        ("servicenow", "p1_new", ("sys_id",), "../../../api/now/table/sys_user/x?x="),
        ("jira", "issue_created", ("issue", "key"), "ITSM-482#"),
        ("pagerduty", "incident_triggered", ("event", "data", "id"), "../../users/PXPGF42?x="),
    ],
)
def test_a_native_record_id_off_its_platform_s_form_leaves_the_incident_without_a_record(
    platform: str,
    example_name: str,
    where: tuple[str, ...],
    hostile: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given a delivery whose record id is a path, not the platform's form
    payload = example(platform, example_name)
    holder = payload
    for key in where[:-1]:
        holder = holder[key]
    holder[where[-1]] = hostile

    # when it is read
    [incident] = to_incidents(payload, config(platform))

    # then the incident is taken, with nothing to write back to, and the skip is logged
    assert incident.platform_record is None
    assert "no platform record kept" in caplog.text
