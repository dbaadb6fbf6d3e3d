"""The round trip with an ITSM platform in the embedded mode (one process,
SQLite, the in-process bus): the notifier reaches the escalation service in
the same process, with a token made for it, to link the problem record it
created."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.apps import app_on
from harness.notifier import QUICK_ENV
from harness.waiting import eventually
from tests.support.itsm_fakes import FakeServiceNow
from tests.support.roundtrip import (
    WEBHOOK_SECRETS,
    escalation_of,
    post_webhook,
    problem_link,
    to_review,
)
from tests.unit.webhooks.golden import example


@pytest.fixture
def servicenow() -> Iterator[FakeServiceNow]:
    fake = FakeServiceNow(username="ec-integration", password="sn-password")
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


async def test_the_embedded_notifier_writes_back_and_links_the_problem_record_it_created(
    servicenow: FakeServiceNow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    connections = tmp_path / "connections.yaml"
    connections.write_text(
        f"connections:\n  servicenow:\n    base_url: {servicenow.url}\n"
        "    username: ec-integration\n    password_env: EC_SERVICENOW_PASSWORD\n"
    )
    sys_id, number = uuid.uuid4().hex, "INC0099001"
    servicenow.add_incident(sys_id, number)
    payload = example("servicenow", "p1_new") | {"sys_id": sys_id, "number": number}

    async with app_on(
        "sqlite",
        tmp_path,
        monkeypatch,
        EC_CONNECTIONS_FILE=str(connections),
        EC_SERVICENOW_PASSWORD="sn-password",
        EC_WEBHOOK_SECRETS=WEBHOOK_SECRETS,
        **QUICK_ENV,
    ) as client:
        escalation_id = await escalation_of(
            client, await post_webhook(client, "servicenow", payload)
        )

        async def start_note() -> list[Any]:
            return servicenow.accepted("PATCH", f"/api/now/table/incident/{sys_id}")

        [note, *_] = await eventually(start_note)
        work_notes = note.json()["work_notes"]
        assert f"http://127.0.0.1:8000/console/escalations/{escalation_id}" in work_notes

        await to_review(client, escalation_id, problem="Certificates expire unseen")
        link = await problem_link(client, escalation_id)

    [problem] = servicenow.problems
    assert link["data"]["ref"] == problem["number"]
    assert link["actor"] == {"role": "operator", "name": "notifier"}
