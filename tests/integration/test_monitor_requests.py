"""Requests from the monitor change an escalation only while they are current."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from ec_embedded.app import create_app
from ec_events import Envelope
from ec_events.base import Event
from ec_events.monitor import MonitoringPeriodElapsed, RaiseRequested
from ec_platform.bus import Bus
from harness.apps import serving
from harness.factories import API_TOKENS, bearer
from harness.waiting import eventually
from tests.support.lifecycle import MANAGER, Lifecycle, Services


@pytest.fixture
async def app_and_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Bus, httpx.AsyncClient]]:
    monkeypatch.setenv("EC_API_TOKENS", API_TOKENS)
    app = create_app(database_url=f"sqlite+aiosqlite:///{tmp_path}/ec.db")
    async with serving(app) as client:
        yield app.state.runtime.bus, client


async def send(bus: Bus, event: Event, *, message_id: uuid.UUID | None = None) -> None:
    envelope = Envelope.wrap(event, id=message_id or uuid.uuid4(), source="/test/monitor")
    await bus.publish("ec.monitor", [envelope.to_binary()])


async def test_a_stale_monitoring_timer_changes_nothing_after_a_recurrence(
    app_and_client: tuple[Bus, httpx.AsyncClient],
) -> None:
    bus, client = app_and_client
    life = Lifecycle(Services(client, client, client, client))
    await life.start_from_p1()
    await life.ok("PUT", "manager", {"manager": MANAGER})
    await life.ok(
        "POST",
        "resolution",
        {
            "customer_confirmed": True,
            "override_reason": "confirmed on the phone",
            "monitoring_period": "PT1H",
        },
    )
    await life.ok("POST", "recurrence", {"note": "it came back"})
    escalation_id = uuid.UUID(life.escalation_id)
    now = datetime.now(UTC)

    # when the first round's timer arrives late, followed by a current raise request
    await send(
        bus,
        MonitoringPeriodElapsed(
            escalation_id=escalation_id, timer_id=uuid.uuid4(), due_at=now, round=1
        ),
    )
    raise_id = uuid.uuid4()
    raise_request = RaiseRequested(
        escalation_id=escalation_id,
        timer_id=uuid.uuid4(),
        due_at=now,
        from_level=1,
        to_level=2,
        reason="automatic: no progress at level 1",
    )
    await send(bus, raise_request, message_id=raise_id)
    await send(bus, raise_request, message_id=raise_id)  # re-delivered

    # then the raise happened once, and the stale timer passed nothing
    async def raised() -> dict[str, Any] | None:
        state = await life.state()
        return state if state["level"] == 2 else None

    state = await eventually(raised)
    assert state["state"] == "active"
    events = (
        await client.get(f"/v1/escalations/{life.escalation_id}/events", headers=bearer("auditor"))
    ).json()["items"]
    types = [e["type"] for e in events]
    assert "MonitoringPassed" not in types
    assert types.count("EscalationLevelRaised") == 1
    raised_event = events[-1]
    assert raised_event["data"]["automatic"] is True
    assert raised_event["causation_id"] == str(raise_id)
    assert raised_event["actor"] == {"role": "service", "name": "monitor"}
