"""Time passing by itself, in the embedded mode: an escalation left without
progress climbs the hierarchy, and missed deadlines enter its history."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.apps import app_on
from harness.factories import bearer
from harness.waiting import eventually
from tests.support.lifecycle import MANAGER, Lifecycle, Services, soon
from tests.support.timers import assert_fired_when_due


@pytest.fixture
async def client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    async with app_on("sqlite", tmp_path, monkeypatch, EC_RAISE_AFTER='["PT2S", "PT2S"]') as client:
        yield client


async def events_of(client: httpx.AsyncClient, escalation_id: str) -> list[dict[str, Any]]:
    response = await client.get(
        f"/v1/escalations/{escalation_id}/events", headers=bearer("auditor")
    )
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_an_escalation_without_progress_climbs_to_the_top_level_by_itself(
    client: httpx.AsyncClient,
) -> None:
    life = Lifecycle(Services(client, client, client, client))
    await life.start_from_p1()

    async def at_top() -> dict[str, Any] | None:
        state = await life.state()
        return state if state["level"] == 3 else None

    await eventually(at_top)
    raises = [
        e
        for e in await events_of(client, life.escalation_id)
        if e["type"] == "EscalationLevelRaised"
    ]
    assert [(r["data"]["from_level"], r["data"]["to_level"]) for r in raises] == [(1, 2), (2, 3)]
    assert all(r["data"]["automatic"] for r in raises)
    assert raises[0]["data"]["reason"] == "automatic: no progress at level 1 for 2 s"
    assert raises[0]["actor"] == {"role": "service", "name": "monitor"}

    # the top level asks for nothing higher
    await asyncio.sleep(2.5)
    assert (await life.state())["level"] == 3


@pytest.fixture
async def patient_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    """Levels climb after an hour without progress: nothing climbs during a test."""
    async with app_on("sqlite", tmp_path, monkeypatch, EC_RAISE_AFTER='["PT1H", "PT1H"]') as client:
        yield client


async def test_progress_keeps_an_escalation_from_climbing(
    patient_client: httpx.AsyncClient,
) -> None:
    client = patient_client
    life = Lifecycle(Services(client, client, client, client))
    await life.start_from_p1()
    for n in range(3):
        await life.ok("POST", "progress", {"note": f"update {n}", "next_update_due": soon(hours=2)})

    async def raise_timers() -> list[dict[str, Any]] | None:
        response = await client.get(
            "/v1/timers",
            params={"escalation_id": life.escalation_id, "kind": "auto_raise"},
            headers=bearer("operator"),
        )
        items: list[dict[str, Any]] = response.json()["items"]
        return items if len(items) == 4 else None

    timers = await eventually(raise_timers)
    progress = [
        e for e in await events_of(client, life.escalation_id) if e["type"] == "ProgressReported"
    ]
    [pending] = [t for t in timers if t["status"] == "pending"]
    assert sorted(t["status"] for t in timers) == ["cancelled"] * 3 + ["pending"]
    last_progress_at = datetime.fromisoformat(progress[-1]["recorded_at"])
    assert datetime.fromisoformat(pending["due_at"]) == last_progress_at + timedelta(hours=1)
    assert (await life.state())["level"] == 1


async def test_missed_plan_reviews_and_progress_updates_enter_the_history(
    client: httpx.AsyncClient,
) -> None:
    life = Lifecycle(Services(client, client, client, client))
    await life.start_from_p1()
    await life.ok("PUT", "manager", {"manager": MANAGER})
    await life.ok(
        "PUT",
        "plan",
        {
            "actions": [{"title": "Restore", "owner": "Lee", "due": soon(hours=1)}],
            "resources": [],
            "customer_agreed": True,
            "override_reason": "agreed on the call",
            "reason": "first",
            "review_by": soon(seconds=1),
        },
    )
    await life.ok("POST", "progress", {"note": "working", "next_update_due": soon(seconds=1)})

    async def both_missed() -> list[dict[str, Any]] | None:
        missed = [
            e for e in await events_of(client, life.escalation_id) if e["type"] == "DeadlineMissed"
        ]
        return missed if len(missed) == 2 else None

    missed = await eventually(both_missed)
    assert {m["data"]["kind"] for m in missed} == {"plan_review", "progress_update"}

    timers = (
        await client.get(
            "/v1/timers", params={"escalation_id": life.escalation_id}, headers=bearer("operator")
        )
    ).json()["items"]
    fired = [t for t in timers if t["status"] == "fired" and t["kind"] != "auto_raise"]
    assert fired
    for timer in fired:
        assert_fired_when_due(timer)
    overdue = await client.get(
        "/v1/escalations", params={"overdue": "true"}, headers=bearer("operator")
    )
    assert [item["id"] for item in overdue.json()["items"]] == [life.escalation_id]
