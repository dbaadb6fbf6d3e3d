"""Jira Service Management issue webhooks read into incidents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ec_intake.webhooks import InvalidPayload, NotAnIncident
from ec_intake.webhooks.jira import to_incidents
from tests.unit.webhooks.golden import config, example


def test_a_created_issue_becomes_an_open_incident_for_its_organisation() -> None:
    # given a new JSM issue, priority Highest, for the Contoso Retail organisation
    payload = example("jira", "issue_created")

    # when it is read
    [incident] = to_incidents(payload, config("jira"))

    # then it is an open P1 for that organisation, on the issue's component
    assert incident.source == "jira"
    assert incident.external_id == "ITSM-482"
    assert incident.title == "Checkout API times out for EU customers"
    assert incident.priority == "P1"
    assert incident.status == "open"
    assert incident.customer.id == "7"
    assert incident.customer.name == "Contoso Retail"
    assert incident.service == "checkout-api"
    assert incident.occurred_at == datetime(2024, 3, 1, 9, 12, 5, 123000, tzinfo=UTC)
    assert incident.attributes["labels"] == ["eu", "checkout"]
    assert incident.attributes["jira_issue_id"] == "10057"


def test_an_updated_issue_takes_its_new_priority_and_its_status_category() -> None:
    # given the issue moved to "Work in progress", a status the map does not name
    payload = example("jira", "issue_updated")

    [incident] = to_incidents(payload, config("jira"))

    # then its category (indeterminate) decides, and its priority is now High
    assert incident.status == "in_progress"
    assert incident.priority == "P2"
    assert incident.occurred_at == datetime(
        2024, 3, 1, 10, 46, 40, 456000, tzinfo=timezone(timedelta(hours=1))
    )
    assert incident.sla_breached is False


def test_a_configured_sla_field_reports_a_breached_cycle() -> None:
    site = config("jira", paths={"sla_breached": "fields.customfield_10030"})

    [created] = to_incidents(example("jira", "issue_created"), site)
    [updated] = to_incidents(example("jira", "issue_updated"), site)

    assert created.sla_breached is False
    assert updated.sla_breached is True


def test_a_named_status_wins_over_its_category() -> None:
    payload = example("jira", "issue_updated")
    payload["issue"]["fields"]["status"] = {"name": "Canceled", "statusCategory": {"key": "done"}}

    [incident] = to_incidents(payload, config("jira"))

    assert incident.status == "closed"


def test_the_customer_field_is_configurable() -> None:
    # given a site whose organisations live in another custom field
    payload = example("jira", "issue_created")
    payload["issue"]["fields"]["customfield_10100"] = {"value": "Fabrikam", "id": "10421"}
    site = config("jira", paths={"customer.id": "fields.customfield_10100"})

    [incident] = to_incidents(payload, site)

    assert incident.customer.id == "Fabrikam"
    # the name path was not overridden: it still reads the Organizations field
    assert incident.customer.name == "Contoso Retail"


def test_without_organisation_or_component_the_default_customer_and_the_project_apply() -> None:
    payload = example("jira", "issue_created")
    fields = payload["issue"]["fields"]
    fields["customfield_10002"] = []
    fields["components"] = []

    [incident] = to_incidents(payload, config("jira"))

    assert incident.customer.id == "unknown"
    assert incident.customer_resolved is False
    assert incident.service == "IT Service Management"


def test_a_project_without_organisations_is_taken_for_the_unknown_customer_flagged() -> None:
    # given an issue of a JSM project that uses no organisations and no priorities
    payload = example("jira", "issue_created_without_organization")

    # when it is read with the built-in configuration
    [incident] = to_incidents(payload, config("jira"))

    # then it is taken: default priority, its project as service, customer unresolved
    assert incident.external_id == "OPS-77"
    assert incident.title == "Nightly settlement export did not reach the bank's SFTP"
    assert incident.priority == "P3"
    assert incident.status == "open"
    assert incident.service == "Operations Desk"
    assert incident.customer.id == "unknown"
    assert incident.customer_resolved is False
    assert incident.attributes["defaulted"] == ["priority"]


def test_a_custom_field_mapping_names_the_customer_of_a_project_without_organisations() -> None:
    # given a mapping from a "Customer account" select field to customers
    site = config(
        "jira",
        customer_mappings=[
            {
                "path": "fields.customfield_10050",
                "customers": {"Fabrikam Finance": {"id": "fabrikam", "tier": "gold"}},
            }
        ],
    )

    [incident] = to_incidents(example("jira", "issue_created_without_organization"), site)

    assert incident.customer.model_dump() == {
        "id": "fabrikam",
        "name": "fabrikam",
        "tier": "gold",
    }
    assert incident.customer_resolved is True


def test_a_project_mapping_names_the_customer_and_an_organisation_mapping_wins_first() -> None:
    # given mappings by organisation name, then by project key
    site = config(
        "jira",
        customer_mappings=[
            {
                "path": "fields.customfield_10002",
                "customers": {"Contoso Retail": {"id": "contoso"}},
            },
            {"path": "fields.project.key", "customers": {"OPS": {"id": "fabrikam"}}},
        ],
    )

    [with_organisation] = to_incidents(example("jira", "issue_created"), site)
    [without] = to_incidents(example("jira", "issue_created_without_organization"), site)

    assert with_organisation.customer.id == "contoso"
    assert with_organisation.attributes["customer_mapped_by"] == "fields.customfield_10002"
    assert without.customer.id == "fabrikam"
    assert without.attributes["customer_mapped_by"] == "fields.project.key"


def test_an_organisation_no_mapping_lists_is_still_the_customer() -> None:
    site = config(
        "jira",
        customer_mappings=[{"path": "fields.project.key", "customers": {"OPS": {"id": "x"}}}],
    )

    [incident] = to_incidents(example("jira", "issue_created"), site)

    assert (incident.customer.id, incident.customer.name) == ("7", "Contoso Retail")
    assert incident.customer_resolved is True


@pytest.mark.parametrize("event", ["jira:issue_deleted", "comment_created", "sprint_started"])
def test_other_jira_events_are_ignored_for_their_type(event: str) -> None:
    payload = example("jira", "issue_created") | {"webhookEvent": event}

    with pytest.raises(NotAnIncident) as raised:
        to_incidents(payload, config("jira"))

    assert raised.value.reason == "event_type"


def test_a_comment_on_an_incident_is_ignored() -> None:
    with pytest.raises(NotAnIncident) as raised:
        to_incidents(example("jira", "comment_created"), config("jira"))

    assert raised.value.reason == "event_type"


def test_an_automation_rule_payload_without_webhook_event_is_read() -> None:
    payload = example("jira", "issue_created")
    del payload["webhookEvent"]

    [incident] = to_incidents(payload, config("jira"))

    assert incident.external_id == "ITSM-482"


def test_an_issue_without_summary_is_named_by_its_type_and_key() -> None:
    # given an automation rule's payload that leaves the summary out
    payload = example("jira", "issue_created")
    del payload["issue"]["fields"]["summary"]

    [incident] = to_incidents(payload, config("jira"))

    assert incident.title == "Jira Incident ITSM-482"
    assert incident.attributes["defaulted"] == ["title"]


def test_an_issue_without_key_is_invalid_naming_it() -> None:
    payload = example("jira", "issue_created")
    del payload["issue"]["key"]

    with pytest.raises(InvalidPayload) as raised:
        to_incidents(payload, config("jira"))

    assert raised.value.field == "issue.key"


def test_an_issue_without_priority_gets_the_configured_default() -> None:
    payload = example("jira", "issue_created")
    payload["issue"]["fields"]["priority"] = None

    [built_in] = to_incidents(payload, config("jira"))
    [configured] = to_incidents(payload, config("jira", default_priority="P4"))

    assert built_in.priority == "P3"
    assert configured.priority == "P4"


def test_a_site_that_requires_a_priority_refuses_an_issue_without_one_naming_it() -> None:
    payload = example("jira", "issue_created")
    payload["issue"]["fields"]["priority"] = None

    with pytest.raises(InvalidPayload) as raised:
        to_incidents(payload, config("jira", default_priority=None))

    assert raised.value.field == "issue.fields.priority.name"


def test_a_webhook_without_issue_is_invalid_naming_it() -> None:
    with pytest.raises(InvalidPayload) as raised:
        to_incidents({"webhookEvent": "jira:issue_created"}, config("jira"))

    assert raised.value.field == "issue"
