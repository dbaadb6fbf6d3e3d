"""PagerDuty V3 webhook events read into incidents."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ec_intake.webhooks import InvalidPayload, NotAnIncident
from ec_intake.webhooks.pagerduty import to_incidents
from tests.unit.webhooks.golden import config, example

SERVICE_MAPPING = {
    "path": "service.id",
    "customers": {"PF9KMXH": {"id": "fabrikam", "name": "Fabrikam", "tier": "gold"}},
}


def test_a_triggered_incident_becomes_an_open_incident_on_its_service() -> None:
    # given PagerDuty's incident.triggered event
    payload = example("pagerduty", "incident_triggered")

    # when it is read
    [incident] = to_incidents(payload, config("pagerduty"))

    # then it is open, with PagerDuty's priority, on the PagerDuty service
    assert incident.source == "pagerduty"
    assert incident.external_id == "Q2LJ4TZ0ABC9PQ"
    assert incident.title == "Order database replication lag above 5 minutes"
    assert incident.priority == "P2"
    assert incident.status == "open"
    assert incident.service == "orders-db"
    assert incident.occurred_at == datetime(2024, 3, 1, 9, 12, 5, 512000, tzinfo=UTC)
    assert incident.attributes["pagerduty_event_type"] == "incident.triggered"
    assert incident.attributes["pagerduty_number"] == "1187"


def test_pagerduty_has_no_customer_so_the_default_customer_is_used_and_flagged() -> None:
    site = config("pagerduty", default_customer={"id": "c-9", "name": "Fabrikam", "tier": "gold"})

    [incident] = to_incidents(example("pagerduty", "incident_triggered"), site)

    assert incident.customer.id == "c-9"
    assert incident.customer.tier == "gold"
    assert incident.customer_resolved is False


def test_without_a_customer_mapping_the_customer_is_unknown_and_says_so() -> None:
    # given PagerDuty's built-in configuration, which maps no customer
    payload = example("pagerduty", "incident_triggered")

    # when an incident arrives
    [incident] = to_incidents(payload, config("pagerduty"))

    # then it is taken, for the unknown customer, flagged as unresolved
    assert incident.customer.id == "unknown"
    assert incident.customer_resolved is False


def test_a_customer_mapped_from_the_service_names_the_customer() -> None:
    # given a mapping from PagerDuty service ids to customers
    site = config("pagerduty", customer_mappings=[SERVICE_MAPPING])

    # when an incident on a mapped service arrives
    [incident] = to_incidents(example("pagerduty", "incident_triggered"), site)

    # then it is that customer's, resolved, and says which mapping named it
    assert incident.customer.model_dump() == {"id": "fabrikam", "name": "Fabrikam", "tier": "gold"}
    assert incident.customer_resolved is True
    assert incident.attributes["customer_mapped_by"] == "service.id"


def test_a_customer_mapped_from_any_team_by_name_applies_when_the_service_is_not_listed() -> None:
    # given a service mapping that does not list this service, then a team mapping
    team_mapping = {
        "path": "teams",
        "customers": {"billing": {"id": "contoso", "name": "Contoso Retail"}},
    }
    site = config(
        "pagerduty",
        customer_mappings=[SERVICE_MAPPING, team_mapping],
        customer_tiers={"contoso": "strategic"},
    )
    payload = example("pagerduty", "incident_triggered_low_urgency_no_priority")

    # when an incident of the team "Billing" arrives
    [incident] = to_incidents(payload, site)

    # then the team mapping (names match ignoring case) names the customer, with its tier
    assert incident.customer.model_dump() == {
        "id": "contoso",
        "name": "Contoso Retail",
        "tier": "strategic",
    }
    assert incident.customer_resolved is True
    assert incident.attributes["customer_mapped_by"] == "teams"


def test_an_account_without_incident_priorities_sends_null_priority_and_low_urgency() -> None:
    # given an incident with `priority: null`, no assignees and low urgency
    payload = example("pagerduty", "incident_triggered_low_urgency_no_priority")

    [incident] = to_incidents(payload, config("pagerduty"))

    # then the urgency decides, and the teams are kept
    assert incident.priority == "P4"
    assert incident.service == "invoice-renderer"
    assert incident.attributes["teams"] == ["Billing"]
    assert "defaulted" not in incident.attributes


def test_the_test_event_pagey_ping_is_ignored_as_a_ping() -> None:
    # given PagerDuty's "Send Test Event"
    payload = example("pagerduty", "pagey_ping")

    # when it is read
    with pytest.raises(NotAnIncident) as raised:
        to_incidents(payload, config("pagerduty"))

    # then it is ignored as a ping
    assert raised.value.reason == "ping"


@pytest.mark.parametrize(
    ("name", "status", "priority"),
    [
        ("incident_triggered", "open", "P2"),
        ("incident_acknowledged", "in_progress", "P2"),
        ("incident_priority_updated", "in_progress", "P1"),
        ("incident_resolved", "resolved", "P2"),
        ("incident_reopened", "open", "P2"),
    ],
)
def test_each_incident_event_gives_the_incident_as_it_now_stands(
    name: str, status: str, priority: str
) -> None:
    [incident] = to_incidents(example("pagerduty", name), config("pagerduty"))

    assert (incident.status, incident.priority) == (status, priority)
    assert incident.external_id == "Q2LJ4TZ0ABC9PQ"


@pytest.mark.parametrize(("urgency", "priority"), [("high", "P2"), ("low", "P4")])
def test_without_incident_priorities_the_urgency_decides(urgency: str, priority: str) -> None:
    payload = example("pagerduty", "incident_triggered")
    payload["event"]["data"] |= {"priority": None, "urgency": urgency}

    [incident] = to_incidents(payload, config("pagerduty"))

    assert incident.priority == priority


@pytest.mark.parametrize("name", ["service_updated", "incident_annotated"])
def test_events_that_do_not_describe_an_incident_are_ignored_for_their_type(name: str) -> None:
    with pytest.raises(NotAnIncident) as raised:
        to_incidents(example("pagerduty", name), config("pagerduty"))

    assert raised.value.reason == "event_type"


def test_further_incident_event_types_can_be_accepted_by_configuration() -> None:
    payload = example("pagerduty", "incident_acknowledged")
    payload["event"]["event_type"] = "incident.unacknowledged"
    site = config("pagerduty", event_types=("incident.triggered", "incident.unacknowledged"))

    with pytest.raises(NotAnIncident):
        to_incidents(payload, config("pagerduty"))
    [incident] = to_incidents(payload, site)

    assert incident.external_id == "Q2LJ4TZ0ABC9PQ"


def test_a_delivery_without_an_event_is_invalid_naming_it() -> None:
    with pytest.raises(InvalidPayload) as raised:
        to_incidents({"messages": []}, config("pagerduty"))

    assert raised.value.field == "event"


def test_a_delivery_without_an_event_type_is_invalid_naming_it() -> None:
    payload = example("pagerduty", "incident_triggered")
    del payload["event"]["event_type"]

    with pytest.raises(InvalidPayload) as raised:
        to_incidents(payload, config("pagerduty"))

    assert raised.value.field == "event.event_type"


def test_an_incident_without_title_is_named_by_its_number_and_service() -> None:
    payload = example("pagerduty", "incident_triggered")
    payload["event"]["data"]["title"] = None

    [incident] = to_incidents(payload, config("pagerduty"))

    assert incident.title == "PagerDuty incident #1187 on orders-db"
    assert incident.attributes["defaulted"] == ["title"]


def test_an_incident_without_id_is_invalid_naming_it() -> None:
    payload = example("pagerduty", "incident_triggered")
    del payload["event"]["data"]["id"]

    with pytest.raises(InvalidPayload) as raised:
        to_incidents(payload, config("pagerduty"))

    assert raised.value.field == "event.data.id"
