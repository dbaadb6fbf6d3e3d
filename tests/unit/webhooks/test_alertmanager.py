"""Alertmanager webhook groups read into one incident per alert."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ec_intake.webhooks import InvalidPayload, NotAnIncident
from ec_intake.webhooks.alertmanager import to_incidents
from tests.unit.webhooks.golden import config, example


def test_each_alert_of_a_group_is_its_own_incident_named_by_its_fingerprint() -> None:
    # given a group with one firing and one resolved alert
    payload = example("alertmanager", "two_alerts_firing_and_resolved")

    # when it is read
    firing, resolved = to_incidents(payload, config("alertmanager"))

    # then each alert is an incident of its own
    assert (firing.external_id, resolved.external_id) == ("8f3a1c2b9d7e6f50", "1c0e7d44a9b2f315")
    assert firing.source == resolved.source == "alertmanager"


def test_a_firing_critical_alert_is_an_open_p1_from_its_summary() -> None:
    firing, _ = to_incidents(
        example("alertmanager", "two_alerts_firing_and_resolved"), config("alertmanager")
    )

    assert firing.status == "open"
    assert firing.priority == "P1"
    assert firing.title == "Checkout API error rate above 5% for 10 minutes"
    assert firing.service == "checkout-api"
    assert firing.customer.id == "contoso"
    assert firing.occurred_at == datetime(2024, 3, 1, 9, 5, 30, 123456, tzinfo=UTC)
    assert firing.attributes["labels"]["alertname"] == "CheckoutHighErrorRate"
    assert "endsAt" not in firing.attributes


def test_a_resolved_alert_is_resolved_at_its_end() -> None:
    _, resolved = to_incidents(
        example("alertmanager", "two_alerts_firing_and_resolved"), config("alertmanager")
    )

    assert resolved.status == "resolved"
    assert resolved.priority == "P3"
    # no `service` label: the job names the service
    assert resolved.service == "checkout"
    assert resolved.occurred_at == datetime(2024, 3, 1, 9, 10, tzinfo=UTC)


@pytest.mark.parametrize(("severity", "priority"), [("critical", "P1"), ("info", "P5"), ("", "P3")])
def test_the_severity_label_decides_the_priority(severity: str, priority: str) -> None:
    payload = example("alertmanager", "two_alerts_firing_and_resolved")
    payload["alerts"][0]["labels"]["severity"] = severity

    firing, _ = to_incidents(payload, config("alertmanager"))

    assert firing.priority == priority


def test_common_labels_and_the_tier_map_describe_the_customer() -> None:
    site = config("alertmanager", customer_tiers={"contoso": "strategic"})
    payload = example("alertmanager", "two_alerts_firing_and_resolved")
    payload["commonLabels"]["customer_name"] = "Contoso Ltd"
    del payload["alerts"][1]["labels"]["customer"]

    _, resolved = to_incidents(payload, site)

    assert resolved.customer.model_dump() == {
        "id": "contoso",
        "name": "Contoso Ltd",
        "tier": "strategic",
    }


def test_a_group_without_alerts_is_ignored() -> None:
    payload = example("alertmanager", "two_alerts_firing_and_resolved") | {"alerts": []}

    with pytest.raises(NotAnIncident) as raised:
        to_incidents(payload, config("alertmanager"))

    assert raised.value.reason == "no_alerts"


def test_an_alert_without_customer_severity_or_annotations_is_taken_and_flagged() -> None:
    # given a crash-looping pod alert: no customer, severity, summary or service label
    payload = example("alertmanager", "alert_without_customer")

    # when it is read
    [incident] = to_incidents(payload, config("alertmanager"))

    # then it is taken: named by its alert, P3, for the unknown customer, flagged
    assert incident.external_id == "b5d6c3a2e1f09874"
    assert incident.title == "KubePodCrashLooping"
    assert incident.priority == "P3"
    assert incident.service == "KubePodCrashLooping"
    assert incident.customer.id == "unknown"
    assert incident.customer_resolved is False
    assert "generatorURL" not in incident.attributes


def test_a_team_label_mapping_names_the_customer() -> None:
    site = config(
        "alertmanager",
        customer_mappings=[
            {
                "path": ("labels.team", "labels.namespace"),
                "customers": {"payments": {"id": "contoso", "tier": "gold"}},
            }
        ],
    )

    [incident] = to_incidents(example("alertmanager", "alert_without_customer"), site)

    # the team is not listed; the namespace is
    assert incident.customer.model_dump() == {"id": "contoso", "name": "contoso", "tier": "gold"}
    assert incident.customer_resolved is True
    assert incident.attributes["customer_mapped_by"] == "labels.namespace"


def test_an_alert_without_any_name_is_named_by_its_fingerprint() -> None:
    payload = example("alertmanager", "alert_without_customer")
    payload["commonLabels"] = {}
    payload["alerts"][0]["labels"] = {"job": "ledger"}

    [incident] = to_incidents(payload, config("alertmanager"))

    assert incident.title == "Alert b5d6c3a2e1f09874"
    assert incident.service == "ledger"


def test_an_alert_without_fingerprint_is_invalid_naming_its_place() -> None:
    payload = example("alertmanager", "two_alerts_firing_and_resolved")
    del payload["alerts"][1]["fingerprint"]

    with pytest.raises(InvalidPayload) as raised:
        to_incidents(payload, config("alertmanager"))

    assert raised.value.field == "alerts.1.fingerprint"


def test_another_payload_version_is_invalid() -> None:
    payload = example("alertmanager", "two_alerts_firing_and_resolved") | {"version": "3"}

    with pytest.raises(InvalidPayload) as raised:
        to_incidents(payload, config("alertmanager"))

    assert raised.value.field == "version"
