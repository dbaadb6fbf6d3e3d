"""The command bodies: everything they carry is kept forever, so every list
and every text is bounded; durations are ISO 8601 strings; and each body
becomes its command with every field in its place."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from ec_escalation.domain import commands as c
from ec_escalation.http import bodies as b
from ec_events.base import Contact

BODIES = [
    b.StartBody,
    b.ManagerBody,
    b.LinkBody,
    b.TeamBody,
    b.ContactsBody,
    b.AssessmentBody,
    b.PlanBody,
    b.LevelBody,
    b.ProgressBody,
    b.ResolutionBody,
    b.RecurrenceBody,
    b.ClosureBody,
    b.ReviewBody,
]
# Strings whose format bounds them already.
BOUNDED_FORMATS = {"date-time", "uuid", "duration"}


def unbounded(schema: dict[str, Any], defs: dict[str, Any], path: str) -> list[str]:
    if "$ref" in schema:
        return unbounded(defs[schema["$ref"].rsplit("/", 1)[-1]], defs, path)
    found: list[str] = []
    for option in schema.get("anyOf", []):
        found += unbounded(option, defs, path)
    kind = schema.get("type")
    free_text = kind == "string" and not ({"enum", "const"} & set(schema))
    if free_text and schema.get("format") not in BOUNDED_FORMATS and "maxLength" not in schema:
        found.append(path)
    if kind == "array":
        if "maxItems" not in schema:
            found.append(path)
        found += unbounded(schema["items"], defs, f"{path}[]")
    for name, field in schema.get("properties", {}).items():
        found += unbounded(field, defs, f"{path}.{name}" if path else name)
    return found


@pytest.mark.parametrize("body", BODIES, ids=lambda body: body.__name__)
def test_every_list_and_text_of_a_command_body_has_a_maximum(body: type[b.Body]) -> None:
    schema = body.model_json_schema()
    assert unbounded(schema, schema.get("$defs", {}), "") == []


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("affected_services", b.MAX_AFFECTED_SERVICES),
        ("affected_customers", b.MAX_AFFECTED_CUSTOMERS),
    ],
)
def test_an_assessment_naming_too_many_services_or_customers_is_refused_naming_the_field(
    field: str, limit: int
) -> None:
    body = {"summary": "s", "impact": "i", "risk": "r"}
    b.AssessmentBody.model_validate({**body, field: ["x"] * limit})
    with pytest.raises(ValidationError) as refused:
        b.AssessmentBody.model_validate({**body, field: ["x"] * (limit + 1)})
    assert [error["loc"] for error in refused.value.errors()] == [(field,)]


@pytest.mark.parametrize("period", ["PT72H", "P3D", "PT5S", "P1W", "PT0.5S", "P1DT2H"])
def test_a_monitoring_period_is_an_iso_8601_duration(period: str) -> None:
    b.ResolutionBody.model_validate({"customer_confirmed": True, "monitoring_period": period})


@pytest.mark.parametrize(
    "period", [3600, 3600.0, "3600", "1 day", "12:00:00", "P", "PT", "P1DT", "-P1D", None]
)
def test_a_monitoring_period_that_is_not_an_iso_8601_string_is_refused(period: object) -> None:
    with pytest.raises(ValidationError) as refused:
        b.ResolutionBody.model_validate({"customer_confirmed": True, "monitoring_period": period})
    [error] = refused.value.errors()
    assert error["loc"] == ("monitoring_period",)
    assert "ISO 8601" in error["msg"]


def test_a_contacts_address_is_bounded_and_becomes_a_stored_contact() -> None:
    contact = {"name": "Jo", "email": "jo@c.example", "channel": "webhook", "address": "https://x"}

    command = b.ContactsBody.model_validate({"customer": [contact]}).command()

    # The same value as a replayed event holds: "the same contacts again" records nothing.
    assert command.customer == (Contact.model_validate(contact),)
    with pytest.raises(ValidationError):
        b.ContactsBody.model_validate({"customer": [{**contact, "address": "x" * 2_001}]})


def test_each_body_puts_every_field_in_its_place() -> None:
    plan = b.PlanBody.model_validate(
        {
            "actions": [{"title": "t", "owner": "o", "due": "2026-12-01T00:00:00Z"}],
            "resources": ["r1"],
            "customer_agreed": True,
            "reason": "the reason",
            "review_by": "2026-12-02T00:00:00Z",
        }
    ).command()
    assessment = b.AssessmentBody.model_validate(
        {
            "summary": "S",
            "impact": "I",
            "risk": "R",
            "affected_services": ["svc"],
            "affected_customers": ["cust"],
            "known": "K",
            "unknown": "U",
        }
    ).command()

    assert isinstance(plan, c.RevisePlan)
    assert (plan.reason, plan.resources, plan.customer_agreed) == ("the reason", ("r1",), True)
    assert (assessment.summary, assessment.impact, assessment.risk) == ("S", "I", "R")
    assert (assessment.affected_services, assessment.affected_customers) == (("svc",), ("cust",))
    assert (assessment.known, assessment.unknown) == ("K", "U")
