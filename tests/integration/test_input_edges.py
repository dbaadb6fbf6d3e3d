"""Input that used to break the services quietly, through the embedded app on
SQLite: times that overflow when turned to UTC, Unix seconds where ISO 8601 is
promised, integers wider than the database's, enum filters given anything,
signature timestamps of a thousand digits, malformed If-Match versions and
unknown webhook sources. Each is a 4xx problem, never a 500."""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from ec_intake.webhooks import ec_signature
from harness.apps import app_on
from harness.factories import bearer, incident_body
from harness.waiting import eventually
from tests.support.escalation_http import command, plan_body, started
from tests.unit.webhooks.golden import example

UNDERFLOW = "0001-01-01T00:00:00+14:00"
OVERFLOW = "9999-12-31T23:59:59-14:00"
HUGE = "6269737751868401629790208"
SECRET = "sn-edge-secret"


@pytest.fixture
async def client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    async with app_on(
        "sqlite", tmp_path, monkeypatch, EC_WEBHOOK_SECRETS=f"servicenow:{SECRET}"
    ) as client:
        yield client


def refused_naming(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    named = [error["field"] for error in response.json()["errors"]]
    assert field in named, named


@pytest.mark.parametrize("value", [UNDERFLOW, OVERFLOW, "0.5", "1700000000", "2026-11-27T09:00"])
async def test_a_time_query_parameter_out_of_range_or_not_iso_8601_is_422(
    client: httpx.AsyncClient, value: str
) -> None:
    # Given an escalation
    escalation_id = await started(client)
    reader = bearer("operator")

    # When every route taking a time is asked with the value, Then each names its field
    for path, name in (
        (f"/v1/escalations/{escalation_id}", "as_of"),
        (f"/v1/escalations/{escalation_id}/report", "as_of"),
        ("/v1/reports/escalations", "from"),
        ("/v1/reports/escalations", "to"),
        ("/v1/incidents", "received_after"),
        ("/v1/incidents", "received_before"),
    ):
        refused_naming(await client.get(path, params={name: value}, headers=reader), name)


async def test_a_time_body_field_that_underflows_in_utc_is_422(client: httpx.AsyncClient) -> None:
    # Given an escalation
    escalation_id = await started(client)
    action = [{"title": "t", "owner": "o", "due": UNDERFLOW}]

    # When times that cannot be turned to UTC are posted, Then each field is named
    refused_naming(
        await client.post(
            "/v1/incidents", json=incident_body(occurred_at=UNDERFLOW), headers=bearer("intake")
        ),
        "occurred_at",
    )
    refused_naming(
        await command(client, escalation_id, "progress", {"note": "n", "next_update_due": "0.5"}),
        "next_update_due",
    )
    refused_naming(
        await command(client, escalation_id, "plan", plan_body(review_by=UNDERFLOW)), "review_by"
    )
    refused_naming(
        await command(client, escalation_id, "plan", plan_body(actions=action)), "actions.0.due"
    )


async def test_an_integer_wider_than_the_database_is_422(client: httpx.AsyncClient) -> None:
    for path, name in (
        ("/v1/escalations", "level"),
        ("/v1/events", "after"),
        ("/v1/deliveries", "limit"),
    ):
        refused_naming(await client.get(path, params={name: HUGE}, headers=bearer("admin")), name)


async def test_an_enum_filter_takes_only_its_values(client: httpx.AsyncClient) -> None:
    for path, name in (
        ("/v1/events", "type"),
        ("/v1/timers", "kind"),
        ("/v1/timers", "status"),
        ("/v1/deliveries", "status"),
        ("/v1/escalations", "state"),
        ("/v1/incidents", "priority"),
    ):
        refused_naming(
            await client.get(path, params={name: "false"}, headers=bearer("admin")), name
        )


@pytest.mark.parametrize("version", [HUGE, "²", "-1", "3.0"])
async def test_an_if_match_that_is_no_version_is_400(
    client: httpx.AsyncClient, version: str
) -> None:
    escalation_id = await started(client)

    response = await client.post(
        f"/v1/escalations/{escalation_id}/assessment",
        json={"summary": "s", "impact": "i", "risk": "r"},
        # As bytes: a client may send any Latin-1 byte in a header, "²" included.
        headers={**bearer("operator"), "If-Match": f'"{version}"'.encode("latin-1")},
    )

    assert response.status_code == 400, response.text


@pytest.mark.parametrize("stamp", ["9" * 400, "9" * 5000, "²", "-5", "1e9"])
async def test_a_webhook_signature_with_an_absurd_timestamp_is_401(
    client: httpx.AsyncClient, stamp: str
) -> None:
    body = json.dumps({"number": "INC1"}).encode()

    response = await client.post(
        "/v1/webhooks/servicenow",
        content=body,
        headers={
            "content-type": "application/json",
            "X-EC-Signature": f"t={stamp},v1={'0' * 64}".encode("latin-1"),
        },
    )

    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_platform_time_that_is_no_moment_in_utc_is_422_naming_the_payload_field(
    client: httpx.AsyncClient,
) -> None:
    # Given a ServiceNow record updated "at" a time that underflows in UTC
    record = example("servicenow", "p1_new")
    record["sys_id"] = uuid.uuid4().hex
    record["sys_updated_on"] = UNDERFLOW
    body = json.dumps(record).encode()
    signed = ec_signature(body, SECRET, int(time.time()))

    # When it is delivered
    response = await client.post(
        "/v1/webhooks/servicenow",
        content=body,
        headers={"content-type": "application/json", "X-EC-Signature": signed},
    )

    # Then it is refused naming the field, not a 500
    assert response.status_code == 422, response.text
    assert "sys_updated_on" in response.text


async def test_an_unknown_webhook_source_is_404_without_naming_the_known_ones(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        f"/v1/webhooks/nosuch-{uuid.uuid4().hex[:6]}", json={}, headers=bearer("intake")
    )

    assert response.status_code == 404, response.text
    problem = response.json()
    assert problem["detail"] == "unknown webhook source"
    assert "servicenow" not in response.text
    assert "pagerduty" not in response.text


async def test_a_customer_id_that_looks_like_a_formula_is_text_in_the_csv_report(
    client: httpx.AsyncClient,
) -> None:
    # Given an escalation of a customer whose id is a spreadsheet formula
    formula = f'=HYPERLINK("http://127.0.0.1/{uuid.uuid4().hex[:6]}","x")'
    customer = {"id": formula, "name": "Northwind", "tier": "gold"}
    posted = await client.post(
        "/v1/incidents", json=incident_body(customer=customer), headers=bearer("intake")
    )
    assert posted.status_code == 202, posted.text

    # When the report is read as CSV
    async def rows() -> list[dict[str, str]] | None:
        response = await client.get(
            "/v1/reports/escalations",
            params={"group_by": "customer"},
            headers={**bearer("auditor"), "Accept": "text/csv"},
        )
        assert response.status_code == 200, response.text
        found = list(csv.DictReader(io.StringIO(response.text)))
        return found if any(row["customer"] != "total" for row in found) else None

    # Then its group cell is kept as text, and its figures stay numbers
    found = await eventually(rows)
    [row] = [row for row in found if row["customer"] != "total"]
    assert row["customer"] == "'" + formula
    assert row["started"] == "1"


async def test_a_query_parameter_the_route_does_not_declare_is_422_naming_it(
    client: httpx.AsyncClient,
) -> None:
    # given a misspelt filter, which would otherwise answer everything unfiltered
    misspelt = await client.get("/v1/escalations?stat=open", headers=bearer("operator"))
    declared = await client.get("/v1/escalations?state=active", headers=bearer("operator"))

    assert misspelt.status_code == 422
    assert misspelt.json()["errors"][0]["field"] == "stat"
    assert declared.status_code == 200
