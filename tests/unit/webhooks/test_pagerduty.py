"""PagerDuty V3 webhook events read into incidents."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ec_intake.webhooks import InvalidPayload, NotAnIncident
from ec_intake.webhooks.pagerduty import to_incidents
from tests.unit.webhooks.golden import config, example


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


def test_pagerduty_has_no_customer_so_the_default_customer_is_used() -> None:
    site = config("pagerduty", default_customer={"id": "c-9", "name": "Fabrikam", "tier": "gold"})

    [incident] = to_incidents(example("pagerduty", "incident_triggered"), site)

    assert incident.customer.id == "c-9"
    assert incident.customer.tier == "gold"


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
def test_events_that_do_not_describe_an_incident_are_not_incidents(name: str) -> None:
    with pytest.raises(NotAnIncident):
        to_incidents(example("pagerduty", name), config("pagerduty"))


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


def test_an_incident_without_title_is_invalid_naming_the_field() -> None:
    payload = example("pagerduty", "incident_triggered")
    del payload["event"]["data"]["title"]

    with pytest.raises(InvalidPayload) as raised:
        to_incidents(payload, config("pagerduty"))

    assert raised.value.field == "event.data.title"
