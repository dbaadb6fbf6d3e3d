"""The whole lifecycle in the embedded mode: one app, SQLite, the in-process bus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ec_embedded.app import create_app
from harness.apps import serving
from harness.factories import API_TOKENS, bearer
from tests.support.lifecycle import EXPECTED_TYPES, Services, run_whole_lifecycle


async def test_a_p1_incident_to_a_reviewed_escalation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EC_API_TOKENS", API_TOKENS)
    async with serving(create_app(database_url=f"sqlite+aiosqlite:///{tmp_path}/ec.db")) as client:
        life = await run_whole_lifecycle(Services(client, client, client, client))

        events = (
            await client.get(
                f"/v1/escalations/{life.escalation_id}/events", headers=bearer("auditor")
            )
        ).json()["items"]
        assert [e["type"] for e in events] == EXPECTED_TYPES
        assert [e["version"] for e in events] == list(range(1, len(EXPECTED_TYPES) + 1))
        passed = next(e for e in events if e["type"] == "MonitoringPassed")
        assert passed["actor"] == {"role": "service", "name": "monitor"}
        assert passed["data"]["round"] == 2

        assert life.before_resolution is not None
        then = await client.get(
            f"/v1/escalations/{life.escalation_id}",
            params={"as_of": life.before_resolution.isoformat()},
            headers=bearer("auditor"),
        )
        assert then.json()["state"] == "active"
        assert then.json()["plan"]["plan_version"] == 2
        assert then.json()["level"] == 2

        history = await client.get("/v1/events", params={"limit": 1000}, headers=bearer("auditor"))
        positions = [e["position"] for e in history.json()["items"]]
        assert positions == sorted(positions)
        mine = [e for e in history.json()["items"] if e["escalation_id"] == life.escalation_id]
        assert [e["id"] for e in mine] == [e["id"] for e in events]

        exported = await client.get(
            "/v1/events", params={"format": "ndjson"}, headers=bearer("auditor")
        )
        lines = [json.loads(line) for line in exported.text.splitlines()]
        assert [line["id"] for line in lines] == [e["id"] for e in history.json()["items"]]

        verified = await client.get("/v1/audit/verify", headers=bearer("auditor"))
        assert verified.json()["ok"] is True
        assert verified.json()["checked"] == len(lines)

        timeline = await client.get(
            f"/v1/escalations/{life.escalation_id}/timeline", headers=bearer("operator")
        )
        assert "reopened" in timeline.json()["items"][12]["summary"]
        assert (await client.get("/v1/events", headers=bearer("operator"))).status_code == 403
