"""Any other platform, read through a declared field mapping."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from ec_intake.webhooks import InvalidPayload, NotAnIncident, mapper_for, source_config
from ec_intake.webhooks.generic import to_incidents
from tests.unit.webhooks.golden import example

ACME: dict[str, Any] = {
    "platform": "generic",
    "paths": {
        "external_id": "alert.id",
        "title": "alert.summary",
        "priority": "alert.severity",
        "status": "alert.state",
        "customer.id": "org.id",
        "customer.name": "org.name",
        "customer.tier": "org.plan",
        "service": "alert.component",
        "sla_breached": "sla.breached",
        "customer_escalation_requested": "alert.escalate",
        "occurred_at": "sent_at",
        "attributes.url": "alert.link",
    },
    "priority_map": {"sev1": "P1", "sev2": "P2", "sev3": "P3"},
    "value_maps": {"customer.tier": {"enterprise": "gold", "team": "silver"}},
    "constants": {"attributes.integration": "acme-monitor"},
}


def test_a_declared_mapping_reads_every_field_from_its_path() -> None:
    # given Acme Monitor's payload and a mapping declared for it
    site = source_config("acme", ACME)

    # when it is read
    [incident] = to_incidents(example("generic", "acme_monitor"), site)

    # then each field comes from its path, through the maps
    assert incident.source == "acme"
    assert incident.external_id == "AM-77812"
    assert incident.title == "Ledger writes rejected: disk 98% full on ledger-db-2"
    assert incident.priority == "P1"
    assert incident.status == "open"
    assert incident.customer.model_dump() == {
        "id": "org-42",
        "name": "Fabrikam Finance",
        "tier": "gold",
    }
    assert incident.service == "ledger"
    assert incident.sla_breached is False
    assert incident.customer_escalation_requested is True
    assert incident.occurred_at == datetime(2024, 3, 1, 9, 12, 5, tzinfo=UTC)
    assert incident.attributes == {
        "url": "https://acme-monitor.example/alerts/AM-77812",
        "integration": "acme-monitor",
    }


def test_the_registry_gives_the_generic_mapper_for_a_declared_mapping() -> None:
    site = source_config("acme", ACME)

    mapper = mapper_for("acme", site)

    assert mapper is not None
    assert mapper(example("generic", "acme_monitor"), site)[0].external_id == "AM-77812"


def test_constants_fill_what_the_payload_never_says() -> None:
    paths = {k: v for k, v in ACME["paths"].items() if not k.startswith("customer.")}
    constants = {"customer.id": "fabrikam", "customer.name": "Fabrikam", "customer.tier": "silver"}
    site = source_config("acme", {**ACME, "paths": paths, "constants": constants})

    [incident] = to_incidents(example("generic", "acme_monitor"), site)

    assert incident.customer.model_dump() == {
        "id": "fabrikam",
        "name": "Fabrikam",
        "tier": "silver",
    }


def test_an_id_missing_at_its_path_is_invalid_naming_the_path() -> None:
    payload = example("generic", "acme_monitor")
    del payload["alert"]["id"]

    with pytest.raises(InvalidPayload) as raised:
        to_incidents(payload, source_config("acme", ACME))

    assert raised.value.field == "alert.id"


def test_a_delivery_without_title_priority_service_or_customer_is_taken_with_defaults() -> None:
    # given an alert that says only its id
    payload = example("generic", "acme_monitor")
    payload["alert"] = {"id": "AM-77813", "summary": "", "severity": None}
    del payload["org"]

    # when it is read
    [incident] = to_incidents(payload, source_config("acme", ACME))

    # then it is named by its source and id, and the defaults are listed
    assert incident.title == "acme incident AM-77813"
    assert incident.priority == "P3"
    assert incident.service == "unknown"
    assert incident.customer_resolved is False
    assert incident.attributes["defaulted"] == ["title", "priority", "service"]


def test_an_event_type_not_listed_is_ignored() -> None:
    # given a source that names its incident event types
    site = source_config(
        "acme", {**ACME, "event_type_path": "kind", "event_types": ["alert.opened"]}
    )

    # when its integration ping arrives, then it is ignored; an alert is still read
    with pytest.raises(NotAnIncident) as raised:
        to_incidents(example("generic", "acme_ping"), site)
    [incident] = to_incidents(example("generic", "acme_monitor"), site)

    assert raised.value.reason == "event_type"
    assert incident.external_id == "AM-77812"


def test_an_event_type_path_without_event_types_is_refused() -> None:
    with pytest.raises(ValidationError, match="event_types"):
        source_config("acme", {**ACME, "event_type_path": "kind"})


def test_an_event_type_path_on_a_built_in_platform_is_refused() -> None:
    with pytest.raises(ValidationError, match="generic"):
        source_config("jira", {"event_type_path": "webhookEvent", "event_types": ["x"]})


def test_a_value_the_incident_model_refuses_is_invalid_naming_its_path() -> None:
    payload = example("generic", "acme_monitor")
    payload["alert"]["component"] = "x" * 201

    with pytest.raises(InvalidPayload) as raised:
        to_incidents(payload, source_config("acme", ACME))

    assert raised.value.field == "alert.component"


def test_a_generic_source_must_say_where_its_title_is() -> None:
    paths = {k: v for k, v in ACME["paths"].items() if k != "title"}

    with pytest.raises(ValidationError, match="title"):
        source_config("acme", {**ACME, "paths": paths})


def test_a_mapping_to_a_field_the_incident_does_not_have_is_refused() -> None:
    with pytest.raises(ValidationError, match="severity"):
        source_config("acme", {**ACME, "paths": {**ACME["paths"], "severity": "alert.severity"}})
