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
    assert incident.service == "IT Service Management"


@pytest.mark.parametrize("event", ["jira:issue_deleted", "comment_created", "sprint_started"])
def test_other_jira_events_are_not_incidents(event: str) -> None:
    payload = example("jira", "issue_created") | {"webhookEvent": event}

    with pytest.raises(NotAnIncident):
        to_incidents(payload, config("jira"))


def test_an_automation_rule_payload_without_webhook_event_is_read() -> None:
    payload = example("jira", "issue_created")
    del payload["webhookEvent"]

    [incident] = to_incidents(payload, config("jira"))

    assert incident.external_id == "ITSM-482"


def test_an_issue_without_summary_is_invalid_naming_the_field() -> None:
    payload = example("jira", "issue_created")
    del payload["issue"]["fields"]["summary"]

    with pytest.raises(InvalidPayload) as raised:
        to_incidents(payload, config("jira"))

    assert raised.value.field == "issue.fields.summary"


def test_an_issue_without_priority_is_invalid_unless_a_default_is_configured() -> None:
    payload = example("jira", "issue_created")
    payload["issue"]["fields"]["priority"] = None

    with pytest.raises(InvalidPayload) as raised:
        to_incidents(payload, config("jira"))
    [incident] = to_incidents(payload, config("jira", default_priority="P4"))

    assert raised.value.field == "issue.fields.priority.name"
    assert incident.priority == "P4"


def test_a_webhook_without_issue_is_invalid_naming_it() -> None:
    with pytest.raises(InvalidPayload) as raised:
        to_incidents({"webhookEvent": "jira:issue_created"}, config("jira"))

    assert raised.value.field == "issue"
