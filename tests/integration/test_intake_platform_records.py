"""The intake keeps where each incident can be written back to (its platform
record) with the incident, lists it, and adds the columns for it to an
incidents table created before them. On SQLite and on the real PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from ec_intake.app import create_app
from ec_intake.settings import IntakeSettings
from ec_platform.storage.database import Database
from harness.apps import serving
from harness.factories import API_TOKENS, bearer, incident_body
from harness.infra import DATABASES, database_of
from tests.unit.webhooks.golden import example

PLATFORM_COLUMNS = ("platform", "platform_record_id", "platform_number")


def intake_app(url: str) -> Any:
    return create_app(
        IntakeSettings(database_url=url, api_tokens=API_TOKENS, kafka_bootstrap_servers=None)
    )


@pytest.fixture(params=DATABASES)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with database_of(request.param, tmp_path) as url:
        yield url


async def deliver(client: httpx.AsyncClient, source: str, payload: dict[str, Any]) -> str:
    answer = await client.post(
        f"/v1/webhooks/{source}",
        content=json.dumps(payload).encode(),
        headers={"content-type": "application/json", **bearer("intake")},
    )
    assert answer.status_code == 202, answer.text
    [accepted] = answer.json()["incidents"]
    incident_id: str = accepted["id"]
    return incident_id


async def read(client: httpx.AsyncClient, path: str, **params: Any) -> Any:
    answer = await client.get(path, params=params, headers=bearer("operator"))
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_each_platform_s_record_is_listed_and_shown_with_its_incident(
    database_url: str,
) -> None:
    # given incidents from ServiceNow, Jira and PagerDuty webhooks, and one from Alertmanager
    async with serving(intake_app(database_url)) as client:
        snow = await deliver(client, "servicenow", example("servicenow", "p1_new"))
        jira = await deliver(client, "jira", example("jira", "issue_created"))
        pager = await deliver(client, "pagerduty", example("pagerduty", "incident_triggered"))
        alert = example("alertmanager", "alert_without_customer")
        alerted = await deliver(client, "alertmanager", alert)

        # when the incidents are listed, and one is read
        items = {item["id"]: item for item in (await read(client, "/v1/incidents"))["items"]}
        one = await read(client, f"/v1/incidents/{snow}")

    # then each shows the record its platform addresses it by
    assert items[snow]["platform_record"] == {
        "platform": "servicenow",
        "record_id": "9d385017c611228701d22104cc95c371",
        "number": "INC0012345",
    }
    assert items[jira]["platform_record"] == {
        "platform": "jira",
        "record_id": "ITSM-482",
        "number": None,
    }
    assert items[pager]["platform_record"] == {
        "platform": "pagerduty",
        "record_id": "Q2LJ4TZ0ABC9PQ",
        "number": "1187",
    }
    assert items[alerted]["platform_record"] is None
    assert one["platform_record"] == items[snow]["platform_record"]
    assert one["history"][0]["data"]["platform_record"]["number"] == "INC0012345"


async def test_an_incidents_table_from_before_platform_records_gains_the_columns(
    database_url: str,
) -> None:
    # given an intake database from before migrations and platform records (no
    # version table, no platform columns), and an incident in it
    async with serving(intake_app(database_url)) as client:
        answer = await client.post("/v1/incidents", json=incident_body(), headers=bearer("intake"))
        assert answer.status_code == 202, answer.text
        older = answer.json()["id"]
    db = Database.open(database_url, schema="intake")
    try:
        async with db.transaction() as conn:
            for column in PLATFORM_COLUMNS:
                await conn.execute(
                    text(f'ALTER TABLE {db.qualifier}"incidents" DROP COLUMN "{column}"')
                )
            await conn.execute(text(f"DROP TABLE {db.qualifier}alembic_version_intake"))
            # Nor had it the tables later revisions create.
            await conn.execute(text(f"DROP TABLE {db.qualifier}deliveries"))
    finally:
        await db.close()

    # when the intake starts again and a ServiceNow incident comes in
    async with serving(intake_app(database_url)) as client:
        newer = await deliver(client, "servicenow", example("servicenow", "p1_new"))
        items = {item["id"]: item for item in (await read(client, "/v1/incidents"))["items"]}

    # then the older incident is listed without a record, the newer with its own
    assert items[older]["platform_record"] is None
    assert items[newer]["platform_record"]["record_id"] == "9d385017c611228701d22104cc95c371"


@pytest.mark.parametrize(
    "record",
    [
        {"platform": "servicenow", "record_id": "../../../api/now/table/sys_user/x?x="},
        {"platform": "jira", "record_id": "SUP-42#"},
        {"platform": "pagerduty", "record_id": "../../users/PXPGF42?x="},
    ],
)
async def test_a_reported_record_id_off_its_platform_s_form_is_422_naming_it(
    database_url: str, record: dict[str, Any]
) -> None:
    # given a normalised report whose platform record's id is a path
    body = incident_body(platform_record=record)

    # when it is posted
    async with serving(intake_app(database_url)) as client:
        answer = await client.post("/v1/incidents", json=body, headers=bearer("intake"))
        listed = await read(client, "/v1/incidents", external_id=body["external_id"])

    # then it is refused, naming the field, and nothing was recorded
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in answer.json()["errors"]] == ["platform_record.record_id"]
    assert listed["items"] == []
