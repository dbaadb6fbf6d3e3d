"""Per-source configuration, its defaults and overrides, and the mapper registry."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ec_intake.webhooks import (
    BUILT_IN_SOURCES,
    InvalidPayload,
    alertmanager,
    jira,
    mapper_for,
    pagerduty,
    servicenow,
    source_config,
    to_incidents,
)
from tests.unit.webhooks.golden import example


def test_every_built_in_source_has_its_own_mapper() -> None:
    assert mapper_for("servicenow") is servicenow.to_incidents
    assert mapper_for("jira") is jira.to_incidents
    assert mapper_for("pagerduty") is pagerduty.to_incidents
    assert mapper_for("alertmanager") is alertmanager.to_incidents


def test_an_unknown_source_without_configuration_has_no_mapper() -> None:
    assert mapper_for("opsgenie") is None


def test_a_second_instance_of_a_platform_uses_that_platform_under_its_own_name() -> None:
    # given a second ServiceNow instance configured as its own source
    emea = source_config("servicenow-emea", {"platform": "servicenow"})

    [incident] = to_incidents(example("servicenow", "p1_new"), emea)

    assert mapper_for("servicenow-emea", emea) is servicenow.to_incidents
    assert incident.source == "servicenow-emea"


@pytest.mark.parametrize("source", BUILT_IN_SOURCES)
def test_every_built_in_source_has_working_defaults(source: str) -> None:
    site = source_config(source)

    assert site.platform == source
    assert site.priority_map
    assert site.status_map
    assert site.default_customer is not None
    assert not site.signature.enabled


def test_overrides_change_entries_of_the_default_maps_and_keep_the_others() -> None:
    site = source_config("jira", {"priority_map": {"Highest": "P2"}, "default_tier": "silver"})

    assert site.priority_map["Highest"] == "P2"
    assert site.priority_map["Lowest"] == "P5"
    assert site.default_tier == "silver"


def test_overriding_signature_secrets_keeps_the_platform_scheme() -> None:
    site = source_config("pagerduty", {"signature": {"secrets": ["s3cret"]}})

    assert site.signature.scheme == "pagerduty"
    assert site.signature.header_name == "X-PagerDuty-Signature"
    assert site.signature.enabled


def test_secrets_never_show_in_a_dump_or_a_repr() -> None:
    site = source_config("servicenow", {"signature": {"secrets": ["hunter2-very-secret"]}})

    assert "hunter2" not in repr(site)
    assert "hunter2" not in site.model_dump_json()


def test_an_unknown_source_must_name_its_platform() -> None:
    with pytest.raises(KeyError, match="platform"):
        source_config("opsgenie")


@pytest.mark.parametrize(
    "overrides",
    [
        {"priority_map": {"Sev1": "P0"}},
        {"status_mapping": {}},
        {"value_maps": {"priority": {"x": "P1"}}},
        {"signature": {"tolerance_seconds": 0}},
        {"customer_mappings": [{"path": "fields.project.key", "customers": {}}]},
        {"customer_mappings": [{"path": "fields.project.key", "customers": {"OPS": {}}}]},
        {"customer_mappings": [{"customers": {"OPS": {"id": "x"}}}]},
        {"customer_mappings": [{"path": "x", "customers": {"OPS": {"id": "x", "tier": ""}}}]},
    ],
)
def test_a_mistaken_configuration_fails_when_loaded(overrides: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        source_config("jira", overrides)


def test_a_body_that_is_not_a_json_object_is_invalid() -> None:
    with pytest.raises(InvalidPayload) as raised:
        to_incidents([{"number": "INC1"}], source_config("servicenow"))

    assert raised.value.field == "body"
