"""Incidents you can see: the intake lists what came in, escalated or not,
newest first, with filters and keyset pages, and shows one incident with its
history. Operators and auditors read; the intake role only posts. The intake
app runs on SQLite and on the real PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete

from ec_intake.app import create_app
from ec_intake.incidents import CAUGHT_UP
from ec_intake.settings import IntakeSettings
from ec_intake.tables import define_tables
from ec_platform.storage.database import Database
from harness.apps import serving
from harness.factories import API_TOKENS, bearer, incident_body
from harness.infra import DATABASES, database_of

DUMMY_ID = "0b3e8c52-51a4-4a0e-9d4f-6f1f6a0e9c11"


def intake_app(url: str) -> Any:
    return create_app(
        IntakeSettings(database_url=url, api_tokens=API_TOKENS, kafka_bootstrap_servers=None)
    )


@pytest.fixture(params=DATABASES)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with database_of(request.param, tmp_path) as url:
        yield url


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(intake_app(database_url)) as client:
        yield client


async def report(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = incident_body(**fields)
    answer = await client.post("/v1/incidents", json=body, headers=bearer("intake"))
    assert answer.status_code == 202, answer.text
    return {**body, **answer.json()}


async def listed(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    answer = await client.get("/v1/incidents", params=params, headers=bearer("operator"))
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def ids(client: httpx.AsyncClient, **params: Any) -> set[str]:
    return {item["id"] for item in await listed(client, **params)}


async def test_every_incident_received_is_listed_escalated_or_not(
    client: httpx.AsyncClient,
) -> None:
    quiet = await report(
        client, priority="P4", customer={"id": "c-1", "name": "A", "tier": "bronze"}
    )

    [item] = await listed(client)

    assert item["id"] == quiet["id"]
    assert item["source"] == quiet["source"]
    assert item["external_id"] == quiet["external_id"]
    assert item["title"] == quiet["title"]
    assert item["priority"] == "P4"
    assert item["customer"] == {"id": "c-1", "name": "A", "tier": "bronze"}
    assert item["status"] == "open"
    assert item["reported_status"] == "open"
    assert item["version"] == 1
    assert item["last_event"] == "IncidentReported"
    assert item["received_at"] == item["updated_at"]


async def test_each_filter_narrows_the_list(client: httpx.AsyncClient) -> None:
    gold = {"id": "cust-gold", "name": "Northwind", "tier": "gold"}
    a = await report(client, source="jira", service="billing", priority="P2", customer=gold)
    b = await report(client, source="servicenow", service="payments-eu", priority="P1")
    c = await report(client, title="Database LATENCY spike in eu-west", priority="P3")
    d = await report(client, status="Resolved", priority="P3")

    assert await ids(client, source="jira") == {a["id"]}
    assert await ids(client, external_id=b["external_id"]) == {b["id"]}
    assert await ids(client, customer_id="cust-gold") == {a["id"]}
    assert await ids(client, service="billing") == {a["id"]}
    assert await ids(client, priority="P3") == {c["id"], d["id"]}
    assert await ids(client, status="resolved") == {d["id"]}
    assert await ids(client, status="open") == {a["id"], b["id"], c["id"]}
    assert await ids(client, q="latency SPIKE") == {c["id"]}
    assert await ids(client, q="%") == set()  # a wildcard is a character here
    assert await ids(client, priority="P3", status="open") == {c["id"]}


async def test_received_after_is_inclusive_and_received_before_exclusive(
    client: httpx.AsyncClient,
) -> None:
    for _ in range(3):
        await report(client)
    oldest, middle, newest = sorted(await listed(client), key=lambda i: i["received_at"])

    after = await ids(client, received_after=middle["received_at"])
    before = await ids(client, received_before=middle["received_at"])

    assert after == {middle["id"], newest["id"]}
    assert before == {oldest["id"]}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"received_after": "2026-12-01T09:00:00"}, "received_after"),  # no zone
        ({"priority": "P9"}, "priority"),
        ({"status": "pending"}, "status"),
        ({"q": ""}, "q"),
        ({"source": "a\x00b"}, "source"),  # PostgreSQL text holds no NUL
        ({"q": "a\x00b"}, "q"),
    ],
)
async def test_a_bad_filter_is_invalid_input_naming_it(
    client: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    answer = await client.get("/v1/incidents", params=params, headers=bearer("auditor"))

    assert answer.status_code == 422
    assert [error["field"] for error in answer.json()["errors"]] == [field]


async def test_following_next_walks_every_incident_once_newest_first(
    client: httpx.AsyncClient,
) -> None:
    made = {(await report(client))["id"] for _ in range(7)}

    seen: list[dict[str, Any]] = []
    cursor, pages = None, 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/incidents", params=params, headers=bearer("auditor"))).json()
        pages += 1
        seen += page["items"]
        cursor = page["next"]
        if cursor is None:
            break

    assert pages == 3
    assert [item["id"] for item in seen] == [
        item["id"] for item in sorted(seen, key=lambda i: (i["received_at"], i["id"]), reverse=True)
    ]
    assert {item["id"] for item in seen} == made
    assert len(seen) == len(made)


async def test_one_incident_shows_its_history_in_order_with_what_changed(
    client: httpx.AsyncClient,
) -> None:
    first = await report(client, priority="P3", attributes={"assignment_group": "db"})
    same = {k: first[k] for k in ("source", "external_id", "customer", "title", "service")}
    await report(client, **same, priority="P2", attributes={"assignment_group": "db"})
    await report(client, **same, priority="P2", status="closed", attributes={"kb": "KB1"})

    answer = await client.get(f"/v1/incidents/{first['id']}", headers=bearer("auditor"))

    assert answer.status_code == 200, answer.text
    incident = answer.json()
    assert incident["status"] == "resolved"
    assert incident["reported_status"] == "closed"
    assert incident["priority"] == "P2"
    assert incident["version"] == 3
    assert incident["last_event"] == "IncidentResolved"
    assert incident["attributes"] == {"kb": "KB1"}
    history = incident["history"]
    assert [h["type"] for h in history] == [
        "IncidentReported",
        "IncidentUpdated",
        "IncidentResolved",
    ]
    assert [h["version"] for h in history] == [1, 2, 3]
    assert [h["recorded_at"] for h in history] == sorted(h["recorded_at"] for h in history)
    assert history[0]["changes"] == []
    assert history[1]["changes"] == [{"field": "priority", "old": "P3", "new": "P2"}]
    assert {c["field"] for c in history[2]["changes"]} == {"status", "attributes"}
    assert history[0]["actor"] == {"role": "intake", "name": "itsm"}
    assert history[2]["data"]["status"] == "closed"
    assert incident["received_at"] == history[0]["recorded_at"]
    assert incident["updated_at"] == history[2]["recorded_at"]


@pytest.mark.parametrize("field", ["title", "external_id"])
async def test_a_nul_in_a_report_is_listed_as_a_replacement_character(
    client: httpx.AsyncClient, field: str
) -> None:
    # PostgreSQL text holds no NUL; JSON, and so the log, can.
    made = await report(client, **{field: "a\x00b"})

    shown = (await client.get(f"/v1/incidents/{made['id']}", headers=bearer("operator"))).json()

    assert shown[field] == "a\ufffdb"
    assert shown["history"][0]["data"][field] == "a\x00b"


async def test_an_unknown_incident_is_404_and_a_malformed_id_422(
    client: httpx.AsyncClient,
) -> None:
    unknown = await client.get(f"/v1/incidents/{DUMMY_ID}", headers=bearer("operator"))
    malformed = await client.get("/v1/incidents/INC-1", headers=bearer("operator"))

    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    assert malformed.status_code == 422


@pytest.mark.parametrize("path", ["/v1/incidents", f"/v1/incidents/{DUMMY_ID}"])
async def test_the_intake_role_may_not_read_and_no_token_is_401(
    client: httpx.AsyncClient, path: str
) -> None:
    as_intake = await client.get(path, headers=bearer("intake"))
    anonymous = await client.get(path)

    assert as_intake.status_code == 403
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("role", ["operator", "auditor", "admin"])
async def test_operators_auditors_and_admins_read(client: httpx.AsyncClient, role: str) -> None:
    made = await report(client)

    listing = await client.get("/v1/incidents", headers=bearer(role))
    one = await client.get(f"/v1/incidents/{made['id']}", headers=bearer(role))

    assert listing.status_code == 200
    assert one.status_code == 200


async def test_incidents_recorded_before_the_list_existed_appear_after_a_restart(
    database_url: str,
) -> None:
    async with serving(intake_app(database_url)) as client:
        before = [await report(client) for _ in range(3)]
        updated = {k: before[0][k] for k in ("source", "external_id", "customer", "service")}
        await report(client, **updated, title=before[0]["title"], priority="P5")
    # As a store written by the version before the list: the log alone.
    tables = define_tables()
    db = Database.open(database_url, schema="intake")
    try:
        async with db.transaction() as conn:
            await conn.execute(delete(tables.incidents))
            await conn.execute(
                delete(tables.checkpoints).where(tables.checkpoints.c.name == CAUGHT_UP)
            )
    finally:
        await db.close()

    async with serving(intake_app(database_url)) as client:
        items = await listed(client)
        after = await report(client)
        again = await listed(client)

    assert {i["id"] for i in items} == {b["id"] for b in before}
    [first] = [i for i in items if i["id"] == before[0]["id"]]
    assert first["priority"] == "P5"
    assert first["version"] == 2
    assert first["received_at"] < first["updated_at"]
    assert {i["id"] for i in again} == {b["id"] for b in before} | {after["id"]}


async def test_the_one_incident_route_leaves_paths_below_it_to_others() -> None:
    # In the embedded mode the escalation service's /v1/incidents/{id}/decisions
    # comes after the intake's routes in the one app.
    app = intake_app("sqlite+aiosqlite:///:memory:")

    @app.get("/v1/incidents/{incident_id}/decisions")
    async def decisions(incident_id: str) -> dict[str, str]:
        return {"served_by": "the route below"}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        answer = await client.get(f"/v1/incidents/{DUMMY_ID}/decisions")

    assert answer.json() == {"served_by": "the route below"}
