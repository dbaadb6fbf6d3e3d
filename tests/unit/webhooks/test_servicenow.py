"""ServiceNow incident records read into incidents."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ec_intake.webhooks import InvalidPayload, NotAnIncident
from ec_intake.webhooks.servicenow import to_incidents
from tests.unit.webhooks.golden import config, example

NORTHWIND = "31bea3d53790200044e0bfc8bcbe5dec"


def test_a_new_p1_record_becomes_an_open_p1_incident_for_its_company_and_service() -> None:
    # given a new ServiceNow incident, priority 1
    payload = example("servicenow", "p1_new")

    # when it is read
    [incident] = to_incidents(payload, config("servicenow"))

    # then it is an open P1 for the company, on the business service
    assert incident.source == "servicenow"
    assert incident.external_id == "INC0012345"
    assert incident.title == "Payment gateway returns 502 for all EU merchants"
    assert incident.priority == "P1"
    assert incident.status == "open"
    assert incident.customer.id == NORTHWIND
    assert incident.service == "payments-eu"
    assert incident.sla_breached is False
    assert incident.reopen_count == 0
    assert incident.occurred_at == datetime(2024, 3, 1, 9, 12, 5, tzinfo=UTC)
    assert incident.attributes["sys_id"] == "9d385017c611228701d22104cc95c371"


def test_a_resolved_record_that_missed_its_sla_is_resolved_and_breached() -> None:
    [incident] = to_incidents(example("servicenow", "resolved"), config("servicenow"))

    assert incident.status == "resolved"
    assert incident.priority == "P2"
    assert incident.sla_breached is True
    assert incident.reopen_count == 1
    assert incident.occurred_at == datetime(2024, 3, 2, 7, 40, 12, tzinfo=UTC)


def test_reference_objects_give_the_sys_id_as_customer_id_and_the_display_value_as_name() -> None:
    # given a Table API result with display values: every field an object
    payload = example("servicenow", "reference_objects")

    [incident] = to_incidents(payload, config("servicenow"))

    assert incident.external_id == "INC0012399"
    assert incident.customer.id == NORTHWIND
    assert incident.customer.name == "Northwind Traders"
    assert incident.priority == "P2"
    assert incident.status == "in_progress"
    assert incident.reopen_count == 2
    assert incident.sla_breached is False
    # an empty business service falls back to the configuration item
    assert incident.service == "customer-portal"
    # the stored value (UTC), not the display value in the user's zone
    assert incident.occurred_at == datetime(2024, 3, 1, 9, 15, 42, tzinfo=UTC)
    assert incident.attributes["assignment_group"] == "Identity Services"


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("1", "open"),
        ("2", "in_progress"),
        ("3", "on_hold"),
        ("6", "resolved"),
        ("7", "closed"),
        ("8", "closed"),
        ("Resolved", "resolved"),
    ],
)
def test_state_codes_and_names_map_to_statuses(state: str, status: str) -> None:
    payload = example("servicenow", "p1_new") | {"state": state}

    [incident] = to_incidents(payload, config("servicenow"))

    assert incident.status == status


@pytest.mark.parametrize(
    ("impact", "urgency", "priority"),
    [("1", "1", "P1"), ("1", "2", "P2"), ("2", "2", "P3"), ("3", "2", "P4"), ("3", "3", "P5")],
)
def test_without_a_priority_the_impact_and_urgency_decide_it(
    impact: str, urgency: str, priority: str
) -> None:
    payload = example("servicenow", "p1_new") | {"priority": "", "impact": impact}
    payload["urgency"] = urgency

    [incident] = to_incidents(payload, config("servicenow"))

    assert incident.priority == priority


def test_a_display_value_such_as_1_critical_is_read_by_its_code() -> None:
    payload = example("servicenow", "p1_new") | {"priority": "1 - Critical"}

    [incident] = to_incidents(payload, config("servicenow"))

    assert incident.priority == "P1"


def test_a_configured_priority_map_replaces_the_platform_meaning() -> None:
    # given a site where priority 2 is treated as critical
    site = config("servicenow", priority_map={"2": "P1"})

    [incident] = to_incidents(example("servicenow", "resolved"), site)

    assert incident.priority == "P1"


def test_a_company_listed_in_customer_tiers_gets_its_tier() -> None:
    site = config("servicenow", customer_tiers={NORTHWIND: "gold"})

    [incident] = to_incidents(example("servicenow", "p1_new"), site)

    assert incident.customer.tier == "gold"


def test_a_record_without_a_company_is_for_the_default_customer() -> None:
    payload = example("servicenow", "p1_new")
    del payload["company"]
    site = config("servicenow", default_customer={"id": "c-1", "name": "Acme", "tier": "silver"})

    [incident] = to_incidents(payload, site)

    assert incident.customer.model_dump() == {"id": "c-1", "name": "Acme", "tier": "silver"}


def test_without_a_company_or_a_default_customer_the_company_is_missing() -> None:
    payload = example("servicenow", "p1_new")
    del payload["company"]

    with pytest.raises(InvalidPayload) as raised:
        to_incidents(payload, config("servicenow", default_customer=None))

    assert raised.value.field == "company"


def test_a_record_without_number_or_sys_id_is_invalid_naming_the_number() -> None:
    payload = example("servicenow", "p1_new")
    del payload["number"]
    del payload["sys_id"]

    with pytest.raises(InvalidPayload) as raised:
        to_incidents(payload, config("servicenow"))

    assert raised.value.field == "number"


def test_a_new_record_from_the_table_api_without_short_description_is_taken() -> None:
    # given the Table API's answer for a freshly created incident: no short
    # description, no company, no service, most fields empty strings
    payload = example("servicenow", "table_api_new_without_short_description")

    # when it is read
    [incident] = to_incidents(payload, config("servicenow"))

    # then it is an incident all the same, titled from its number and category
    assert incident.external_id == "INC0010023"
    assert incident.title == "ServiceNow incident INC0010023 (inquiry)"
    assert incident.priority == "P5"
    assert incident.status == "open"
    assert incident.sla_breached is False
    assert incident.occurred_at == datetime(2024, 3, 5, 14, 2, 51, tzinfo=UTC)
    # and what it lacks is said, not invented
    assert incident.customer.id == "unknown"
    assert incident.customer_resolved is False
    assert incident.service == "unknown"
    assert incident.attributes["defaulted"] == ["title", "service"]
    assert incident.attributes["category"] == "inquiry"


def test_without_short_description_the_first_line_of_the_description_is_the_title() -> None:
    payload = example("servicenow", "p1_new") | {"short_description": "  "}
    payload["description"] = "\nVPN drops every ten minutes\nsince the 09:00 change"

    [incident] = to_incidents(payload, config("servicenow"))

    assert incident.title == "INC0012345: VPN drops every ten minutes"


def test_without_short_description_or_category_the_number_is_the_title() -> None:
    payload = example("servicenow", "table_api_new_without_short_description")
    payload["result"]["category"] = ""

    [incident] = to_incidents(payload, config("servicenow"))

    assert incident.title == "ServiceNow incident INC0010023"


def test_an_empty_made_sla_says_nothing_about_the_sla() -> None:
    payload = example("servicenow", "p1_new") | {"made_sla": ""}

    [incident] = to_incidents(payload, config("servicenow"))

    assert incident.sla_breached is False


def test_a_record_without_company_is_mapped_to_a_customer_by_its_assignment_group() -> None:
    # given a mapping from assignment groups to customers
    site = config(
        "servicenow",
        customer_mappings=[
            {
                "path": "assignment_group",
                "customers": {"Payments Operations": {"id": "c-7", "tier": "gold"}},
            }
        ],
    )
    payload = example("servicenow", "p1_new") | {"company": ""}

    [incident] = to_incidents(payload, site)

    assert incident.customer.model_dump() == {"id": "c-7", "name": "c-7", "tier": "gold"}
    assert incident.customer_resolved is True


def test_a_company_listed_in_a_mapping_gets_the_mapped_name_and_tier() -> None:
    # given a Table API record whose company is a bare sys_id reference
    site = config(
        "servicenow",
        customer_mappings=[
            {
                "path": "company",
                "customers": {NORTHWIND: {"id": "northwind", "name": "Northwind", "tier": "gold"}},
            }
        ],
    )

    [incident] = to_incidents(example("servicenow", "p1_new"), site)

    assert incident.customer.model_dump() == {
        "id": "northwind",
        "name": "Northwind",
        "tier": "gold",
    }


def test_a_company_in_the_record_is_a_resolved_customer() -> None:
    [incident] = to_incidents(example("servicenow", "p1_new"), config("servicenow"))

    assert incident.customer_resolved is True
    assert "defaulted" not in incident.attributes


def test_a_record_without_a_number_is_known_by_its_sys_id() -> None:
    payload = example("servicenow", "p1_new")
    del payload["number"]

    [incident] = to_incidents(payload, config("servicenow"))

    assert incident.external_id == "9d385017c611228701d22104cc95c371"


def test_an_unknown_priority_gets_the_default_and_keeps_the_native_value() -> None:
    payload = example("servicenow", "p1_new") | {"priority": "9"}

    [incident] = to_incidents(payload, config("servicenow"))

    assert incident.priority == "P3"
    assert incident.attributes["priority"] == "9"
    assert incident.attributes["defaulted"] == ["priority"]


def test_a_site_without_default_priority_refuses_an_unknown_one_naming_it() -> None:
    payload = example("servicenow", "p1_new") | {"priority": "9"}

    with pytest.raises(InvalidPayload) as raised:
        to_incidents(payload, config("servicenow", default_priority=None))

    assert raised.value.field == "priority"
    assert "'9'" in raised.value.message


def test_a_garbled_time_is_invalid_naming_the_field() -> None:
    payload = example("servicenow", "p1_new") | {"sys_updated_on": "yesterday"}

    with pytest.raises(InvalidPayload) as raised:
        to_incidents(payload, config("servicenow"))

    assert raised.value.field == "sys_updated_on"


def test_a_table_api_result_reports_fields_under_result() -> None:
    payload = example("servicenow", "reference_objects")
    payload["result"]["sys_updated_on"] = {"display_value": "soon", "value": "soon"}

    with pytest.raises(InvalidPayload) as raised:
        to_incidents(payload, config("servicenow"))

    assert raised.value.field == "result.sys_updated_on"


def test_a_record_of_another_table_is_ignored_for_its_type() -> None:
    payload = example("servicenow", "p1_new") | {"sys_class_name": "problem"}

    with pytest.raises(NotAnIncident) as raised:
        to_incidents(payload, config("servicenow"))

    assert raised.value.reason == "record_type"
