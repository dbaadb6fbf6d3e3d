"""What the escalation routes refuse to keep forever, through the real app on
SQLite and real PostgreSQL: oversized lists and texts, durations that are not
ISO 8601, dates absurdly far ahead, and manual starts from unknown incidents."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.apps import app_on
from harness.factories import bearer, incident_body
from harness.infra import DATABASES
from harness.waiting import eventually
from tests.support.escalation_http import (
    VALID_BODIES,
    command,
    plan_body,
    start_by_hand,
    started,
)
from tests.support.lifecycle import MANAGER

FAR = "9999-12-31T23:59:59+00:00"
CUSTOMER = {"id": "c-77", "name": "Northwind", "tier": "gold"}


@pytest.fixture(params=DATABASES)
async def client(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    async with app_on(request.param, tmp_path, monkeypatch) as client:
        yield client


def fields_named(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [error["field"] for error in response.json()["errors"]]


def assessment(**overrides: Any) -> dict[str, Any]:
    return {"summary": "s", "impact": "i", "risk": "r", **overrides}


OVERSIZED: list[tuple[str, dict[str, Any], str]] = [
    ("assessment", assessment(affected_customers=["c"] * 1_001), "affected_customers"),
    ("assessment", assessment(affected_services=["s"] * 201), "affected_services"),
    ("assessment", assessment(known="k" * 10_001), "known"),
    ("plan", plan_body(resources=["r"] * 101), "resources"),
    ("plan", plan_body(reason="x" * 10_001), "reason"),
    (
        "contacts",
        {"customer": [{"name": "Jo", "email": "j@c.example", "address": "a" * 2_001}]},
        "customer.0.address",
    ),
    (
        "review",
        {
            "findings": "f",
            "problem_management_inputs": [{"kind": "open_problem", "description": "d"}] * 101,
        },
        "problem_management_inputs",
    ),
    ("recurrence", {"note": "n" * 10_001}, "note"),
    ("links", {"kind": "problem", "ref": "P" * 201}, "ref"),
]


async def test_oversized_lists_and_texts_are_refused_naming_the_field(
    client: httpx.AsyncClient,
) -> None:
    escalation_id = await started(client)
    for suffix, body, field in OVERSIZED:
        assert fields_named(await command(client, escalation_id, suffix, body)) == [field], suffix
    assert fields_named(await start_by_hand(client, incident_ids=[str(uuid.uuid4())] * 101)) == [
        "incident_ids"
    ]
    events = await client.get(f"/v1/escalations/{escalation_id}/events", headers=bearer("auditor"))
    assert [e["type"] for e in events.json()["items"]] == ["EscalationStarted"]


async def test_a_monitoring_period_must_be_an_iso_8601_duration_of_at_most_366_days(
    client: httpx.AsyncClient,
) -> None:
    escalation_id = await started(client)
    await command(client, escalation_id, "manager", {"manager": MANAGER})

    for period in (3600, "3600", "1 day"):
        body = {
            "customer_confirmed": True,
            "override_reason": "confirmed on the phone",
            "monitoring_period": period,
        }
        assert fields_named(await command(client, escalation_id, "resolution", body)) == [
            "monitoring_period"
        ]
    centuries = {
        "customer_confirmed": True,
        "override_reason": "confirmed on the phone",
        "monitoring_period": "P300Y",
    }
    refused = await command(client, escalation_id, "resolution", centuries)
    assert fields_named(refused) == ["monitoring_period"]
    assert "366 days" in refused.json()["detail"]
    accepted = await command(client, escalation_id, "resolution", VALID_BODIES["resolution"][1])
    assert accepted.json()["monitoring_period"] == "PT1H"


async def test_dates_more_than_a_year_ahead_are_refused_naming_the_field(
    client: httpx.AsyncClient,
) -> None:
    escalation_id = await started(client)
    far_action = [{"title": "t", "owner": "o", "due": FAR}]

    for suffix, body, named in (
        ("progress", {"note": "n", "next_update_due": FAR}, ["next_update_due"]),
        ("plan", plan_body(review_by=FAR), ["review_by"]),
        ("plan", plan_body(actions=far_action), ["actions.0.due"]),
        ("plan", plan_body(review_by=FAR, actions=far_action), ["review_by", "actions.0.due"]),
    ):
        refused = await command(client, escalation_id, suffix, body)
        assert fields_named(refused) == named, suffix
        assert "within a year" in refused.json()["detail"]


async def test_a_manual_start_from_an_incident_never_heard_of_is_refused_naming_it(
    client: httpx.AsyncClient,
) -> None:
    unknown = str(uuid.uuid4())

    refused = await start_by_hand(client, incident_ids=[unknown])

    assert fields_named(refused) == ["incident_ids.0"]
    assert unknown in refused.json()["detail"]
    board = await client.get("/v1/escalations", headers=bearer("operator"))
    assert board.json()["items"] == []


async def test_incidents_known_elsewhere_need_a_title_and_customer(
    client: httpx.AsyncClient,
) -> None:
    elsewhere = str(uuid.uuid4())

    missing = await start_by_hand(client, incident_ids=[elsewhere], incidents_known_elsewhere=True)
    started_ = await start_by_hand(
        client,
        incident_ids=[elsewhere],
        incidents_known_elsewhere=True,
        title="Checkout down (Jira only)",
        customer=CUSTOMER,
    )

    assert fields_named(missing) == ["title", "customer"]
    assert started_.status_code == 201, started_.text
    assert started_.json()["incident_ids"] == [elsewhere]
    assert started_.json()["title"] == "Checkout down (Jira only)"


async def test_a_manual_start_from_an_incident_the_intake_reported_takes_its_facts(
    client: httpx.AsyncClient,
) -> None:
    quiet = incident_body(priority="P4", customer={"id": "c-b", "name": "B", "tier": "bronze"})
    posted = await client.post("/v1/incidents", json=quiet, headers=bearer("intake"))
    incident_id = posted.json()["id"]

    async def accepted() -> httpx.Response | None:
        # The escalation service hears of the incident from the bus, a moment later.
        response = await start_by_hand(client, incident_ids=[incident_id])
        return response if response.status_code == 201 else None

    escalation = (await eventually(accepted)).json()
    assert escalation["title"] == quiet["title"]
    assert escalation["customer"]["id"] == "c-b"
    again = await start_by_hand(client, incident_ids=[incident_id])
    assert again.status_code == 409
    assert "already has an open escalation" in again.json()["detail"]
