"""Withdrawing an escalation started by mistake, and correcting wrong details,
through the real app on SQLite and real PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ec_escalation.http.schemas import BoardItem, EscalationView, Page
from harness.apps import app_on
from harness.factories import bearer, incident_body
from harness.infra import DATABASES
from harness.waiting import eventually
from tests.support.escalation_http import command, plan_body, start_by_hand, started
from tests.support.lifecycle import MANAGER, soon


@pytest.fixture(params=DATABASES)
async def client(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    async with app_on(request.param, tmp_path, monkeypatch) as client:
        yield client


async def escalated_incident(
    client: httpx.AsyncClient, **fields: Any
) -> tuple[dict[str, Any], str, str]:
    """An incident posted to the intake, and the escalation it started."""
    body = incident_body(priority="P1", **fields)
    posted = await client.post("/v1/incidents", json=body, headers=bearer("intake"))
    assert posted.status_code == 202, posted.text
    incident_id: str = posted.json()["id"]

    async def listed() -> str | None:
        items = await board(client, incident_id=incident_id)
        return items[0]["id"] if items else None

    return body, incident_id, await eventually(listed)


async def board(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/v1/escalations", params=params, headers=bearer("operator"))
    assert response.status_code == 200, response.text
    Page[BoardItem].model_validate(response.json())
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def timers(client: httpx.AsyncClient, escalation_id: str) -> list[dict[str, Any]]:
    response = await client.get(
        "/v1/timers", params={"escalation_id": escalation_id}, headers=bearer("auditor")
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def withdraw(
    client: httpx.AsyncClient, escalation_id: str, *, if_match: str | None = None
) -> httpx.Response:
    headers = bearer("operator") | ({"If-Match": if_match} if if_match else {})
    return await client.post(
        f"/v1/escalations/{escalation_id}/withdrawal",
        json={"reason": "started from a misread payload"},
        headers=headers,
    )


async def test_a_withdrawn_escalation_stops_its_timers_and_leaves_the_board_but_not_the_audit(
    client: httpx.AsyncClient,
) -> None:
    _, incident_id, escalation_id = await escalated_incident(client)
    await command(client, escalation_id, "plan", plan_body())
    await command(
        client, escalation_id, "progress", {"note": "looking", "next_update_due": soon(hours=1)}
    )

    async def all_set() -> list[dict[str, Any]] | None:
        kinds = {t["kind"] for t in await timers(client, escalation_id) if t["status"] == "pending"}
        return (await timers(client, escalation_id)) if len(kinds) >= 3 else None

    await eventually(all_set)
    version = await client.get(f"/v1/escalations/{escalation_id}", headers=bearer("operator"))
    withdrawn = await withdraw(client, escalation_id, if_match=version.headers["ETag"])

    assert withdrawn.status_code == 200, withdrawn.text
    view = EscalationView.model_validate(withdrawn.json())
    assert view.state == "withdrawn"
    assert view.withdrawal is not None
    assert view.withdrawal.reason == "started from a misread payload"

    async def all_cancelled() -> bool:
        return all(t["status"] == "cancelled" for t in await timers(client, escalation_id))

    await eventually(all_cancelled)

    assert escalation_id not in [i["id"] for i in await board(client)]
    assert await board(client, incident_id=incident_id) == []
    assert [i["id"] for i in await board(client, state="withdrawn")] == [escalation_id]
    shown = await board(client, include_withdrawn="true", incident_id=incident_id)
    assert [(i["id"], i["state"]) for i in shown] == [(escalation_id, "withdrawn")]

    events = await client.get(f"/v1/escalations/{escalation_id}/events", headers=bearer("auditor"))
    assert [e["type"] for e in events.json()["items"]] == [
        "EscalationStarted",
        "PlanRevised",
        "ProgressReported",
        "EscalationWithdrawn",
    ]
    timeline = await client.get(
        f"/v1/escalations/{escalation_id}/timeline", headers=bearer("auditor")
    )
    assert timeline.json()["items"][-1]["summary"] == "withdrawn: started from a misread payload"


async def test_every_command_after_a_withdrawal_is_refused_with_409_saying_why(
    client: httpx.AsyncClient,
) -> None:
    escalation_id = await started(client)
    assert (await withdraw(client, escalation_id)).status_code == 200

    for suffix, body in (
        ("manager", {"manager": MANAGER}),
        ("links", {"kind": "problem", "ref": "PRB1"}),
        ("progress", {"note": "n", "next_update_due": soon(hours=1)}),
        ("withdrawal", {"reason": "again"}),
        ("corrections", {"reason": "r", "priority": "P2"}),
    ):
        refused = await command(client, escalation_id, suffix, body)
        assert refused.status_code == 409, (suffix, refused.text)
        assert "withdrawn" in refused.json()["detail"]


async def test_a_withdrawal_needs_a_reason_an_active_escalation_and_a_current_version(
    client: httpx.AsyncClient,
) -> None:
    escalation_id = await started(client)

    missing = await command(client, escalation_id, "withdrawal", {})
    assert missing.status_code == 422
    assert "reason" in missing.text
    assert (await withdraw(client, escalation_id, if_match='"7"')).status_code == 412

    await command(client, escalation_id, "manager", {"manager": MANAGER})
    resolved = {
        "customer_confirmed": True,
        "override_reason": "confirmed on the phone",
        "monitoring_period": "PT1H",
    }
    assert (await command(client, escalation_id, "resolution", resolved)).status_code == 200
    refused = await withdraw(client, escalation_id)
    assert refused.status_code == 409
    assert "monitoring" in refused.json()["detail"]


async def test_a_correction_records_old_and_new_values_and_the_board_follows(
    client: httpx.AsyncClient,
) -> None:
    body, _, escalation_id = await escalated_incident(client)
    customer = {"id": "cust-eu-7", "name": "Northwind EU", "tier": "strategic"}

    corrected = await command(
        client,
        escalation_id,
        "corrections",
        {"reason": "the webhook named the parent", "priority": "P2", "customer": customer},
    )

    assert corrected.status_code == 200, corrected.text
    view = EscalationView.model_validate(corrected.json())
    assert (view.priority, view.customer and view.customer.id) == ("P2", "cust-eu-7")
    [row] = await board(client, customer_id="cust-eu-7")
    assert (row["id"], row["priority"], row["customer_name"]) == (
        escalation_id,
        "P2",
        "Northwind EU",
    )
    events = await client.get(f"/v1/escalations/{escalation_id}/events", headers=bearer("auditor"))
    last = events.json()["items"][-1]
    assert last["type"] == "EscalationDetailsCorrected"
    assert last["data"]["priority"] == {"old": "P1", "new": "P2"}
    assert last["data"]["customer"] == {"old": body["customer"], "new": customer}
    assert last["data"]["title"] is None
    assert events.json()["items"][0]["data"]["priority"] == "P1"  # nothing rewritten


async def test_a_correction_that_changes_nothing_or_names_nothing_or_gives_no_reason_is_422(
    client: httpx.AsyncClient,
) -> None:
    escalation_id = await started(client)
    title = (
        await client.get(f"/v1/escalations/{escalation_id}", headers=bearer("auditor"))
    ).json()["title"]

    same = await command(client, escalation_id, "corrections", {"reason": "r", "title": title})
    assert same.status_code == 422
    assert same.json()["errors"][0]["field"] == "title"
    empty = await command(client, escalation_id, "corrections", {"reason": "r"})
    assert empty.status_code == 422
    no_reason = await command(client, escalation_id, "corrections", {"title": "New"})
    assert no_reason.status_code == 422
    assert "reason" in no_reason.text


async def test_a_withdrawal_releases_its_incidents_for_a_new_start_by_hand(
    client: httpx.AsyncClient,
) -> None:
    incident_id = str(uuid.uuid4())
    body = {
        "incident_ids": [incident_id],
        "incidents_known_elsewhere": True,
        "title": "Cards declined",
        "customer": {"id": "cust-w", "name": "Westwind", "tier": "gold"},
    }
    first = await start_by_hand(client, **body)
    assert first.status_code == 201, first.text
    taken = await start_by_hand(client, **body)
    assert taken.status_code == 409  # one incident, one open escalation

    assert (await withdraw(client, first.json()["id"])).status_code == 200
    again = await start_by_hand(client, **body)

    assert again.status_code == 201, again.text
    assert again.json()["incident_ids"] == [incident_id]
    listed = await board(client, incident_id=incident_id, include_withdrawn="true")
    assert {(i["id"], i["state"]) for i in listed} == {
        (first.json()["id"], "withdrawn"),
        (again.json()["id"], "active"),
    }
