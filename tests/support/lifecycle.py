"""The whole escalation lifecycle through the HTTP contract, written once and
driven against the embedded mode and against the four service processes."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from harness.escalations import WHOLE_LIFECYCLE
from harness.factories import bearer, incident_body
from harness.waiting import GENEROUS_WAIT, eventually


@dataclass(frozen=True)
class Services:
    """Base URLs; in the embedded mode all four are the same."""

    intake: httpx.AsyncClient
    escalation: httpx.AsyncClient
    notifier: httpx.AsyncClient
    monitor: httpx.AsyncClient


def soon(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


@dataclass
class Lifecycle:
    services: Services
    escalation_id: str = ""
    incident_id: str = ""
    # A moment between the progress report and the resolution, for `as_of`.
    before_resolution: datetime | None = None

    async def command(
        self,
        method: str,
        suffix: str,
        body: dict[str, Any],
        *,
        role: str = "operator",
        if_match: str | None = None,
    ) -> httpx.Response:
        headers = bearer(role)
        if if_match is not None:
            headers["If-Match"] = if_match
        return await self.services.escalation.request(
            method, f"/v1/escalations/{self.escalation_id}/{suffix}", json=body, headers=headers
        )

    async def ok(self, method: str, suffix: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.command(method, suffix, body)
        assert response.status_code == 200, response.text
        state: dict[str, Any] = response.json()
        return state

    async def state(self) -> dict[str, Any]:
        response = await self.services.escalation.get(
            f"/v1/escalations/{self.escalation_id}", headers=bearer("operator")
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def start_from_p1(self) -> None:
        posted = await self.services.intake.post(
            "/v1/incidents", json=incident_body(priority="P1"), headers=bearer("intake")
        )
        assert posted.status_code == 202, posted.text
        self.incident_id = posted.json()["id"]

        async def listed() -> list[dict[str, Any]]:
            response = await self.services.escalation.get(
                "/v1/escalations",
                params={"incident_id": self.incident_id},
                headers=bearer("operator"),
            )
            items: list[dict[str, Any]] = response.json()["items"]
            return items

        [escalation] = await eventually(listed)
        self.escalation_id = escalation["id"]

    async def wait_for_state(
        self, wanted: str, *, timeout: float = GENEROUS_WAIT
    ) -> dict[str, Any]:
        async def reached() -> dict[str, Any] | None:
            state = await self.state()
            return state if state["state"] == wanted else None

        return await eventually(reached, timeout=timeout, interval=0.1)


MANAGER = {"id": "u-117", "name": "Dana Okafor", "email": "dana@provider.example"}


async def run_whole_lifecycle(services: Services) -> Lifecycle:
    """Every step of the process, with the refusals on the way. Returns the
    lifecycle for the caller's own checks (history, topics)."""
    life = Lifecycle(services)
    await life.start_from_p1()

    assert (
        await life.command(
            "POST",
            "closure",
            {
                "customer_agreement": {"by": "Jo", "note": "x"},
                "override_reason": "agreed on the phone",
            },
        )
    ).status_code == 409
    assert (
        await life.command(
            "POST",
            "resolution",
            {
                "customer_confirmed": True,
                "override_reason": "confirmed on the phone",
                "monitoring_period": "PT1S",
            },
        )
    ).status_code == 409  # no manager yet
    assert (
        await life.command("PUT", "manager", {"manager": MANAGER}, role="auditor")
    ).status_code == 403

    state = await life.ok("PUT", "manager", {"manager": MANAGER})
    assert state["manager"]["id"] == "u-117"
    stale = await life.command("POST", "links", {"kind": "problem", "ref": "PRB1"}, if_match='"1"')
    assert stale.status_code == 412, stale.text
    assert stale.headers["content-type"] == "application/problem+json"
    linked = await life.command(
        "POST", "links", {"kind": "problem", "ref": "PRB1"}, if_match=f'"{state["version"]}"'
    )
    assert linked.status_code == 200, linked.text
    assert linked.headers["etag"] == f'"{state["version"] + 1}"'
    await life.ok("POST", "links", {"kind": "change", "ref": "CHG7"})
    await life.ok(
        "PUT",
        "team",
        {
            "members": [
                {
                    "id": "u-201",
                    "name": "Lee Park",
                    "email": "lee@provider.example",
                    "role": "incident owner",
                },
                {
                    "id": "u-305",
                    "name": "Ana Ruiz",
                    "email": "ana@provider.example",
                    "role": "problem owner",
                },
            ]
        },
    )
    await life.ok(
        "PUT",
        "contacts",
        {
            "provider": [{"name": "Sam Patel", "email": "sam@provider.example"}],
            "customer": [{"name": "Jo Meyer", "email": "jo@customer.example"}],
        },
    )
    await life.ok(
        "POST",
        "assessment",
        {"summary": "EU payments fail", "impact": "1,200 merchants", "risk": "penalties"},
    )
    plan = {
        "actions": [{"title": "Restore certificates", "owner": "Lee Park", "due": soon(hours=2)}],
        "resources": ["two network engineers"],
        "customer_agreed": True,
        "override_reason": "agreed on the call",
        "reason": "first plan",
        "review_by": soon(hours=4),
    }
    assert (await life.ok("PUT", "plan", plan))["plan"]["plan_version"] == 1
    assert (await life.ok("PUT", "plan", {**plan, "reason": "customer asked for a rollback"}))[
        "plan"
    ]["plan_version"] == 2
    raised = await life.ok("POST", "level", {"level": 2, "reason": "directors must know"})
    assert raised["level"] == 2
    not_higher = await life.command("POST", "level", {"level": 2, "reason": "again"})
    assert not_higher.status_code == 409, not_higher.text
    await life.ok(
        "POST", "progress", {"note": "3 of 5 gateways restored", "next_update_due": soon(hours=1)}
    )
    await asyncio.sleep(0.01)
    life.before_resolution = datetime.now(UTC)
    await asyncio.sleep(0.01)

    # resolved, then the problem comes back during monitoring
    first_round = await life.ok(
        "POST",
        "resolution",
        {
            "customer_confirmed": True,
            "override_reason": "confirmed on the phone",
            "monitoring_period": "PT2S",
        },
    )
    assert first_round["state"] == "monitoring"
    reopened = await life.ok("POST", "recurrence", {"note": "502s are back for one merchant group"})
    assert reopened["state"] == "active"
    await asyncio.sleep(2.5)  # the first round's timer fires now, and must change nothing
    assert (await life.state())["state"] == "active"

    # resolved again: this round's monitoring passes by the monitor's timer
    await life.ok(
        "POST",
        "resolution",
        {
            "customer_confirmed": True,
            "override_reason": "confirmed on the phone",
            "monitoring_period": "PT1S",
        },
    )
    passed = await life.wait_for_state("monitoring_passed")
    assert passed["monitoring_round"] == 2
    closed = await life.ok(
        "POST",
        "closure",
        {
            "customer_agreement": {"by": "Jo Meyer", "note": "agreed on the call"},
            "override_reason": "agreed on the phone",
        },
    )
    assert closed["state"] == "closed"
    reviewed = await life.ok(
        "POST",
        "review",
        {
            "findings": "certificate rotation lacked a canary",
            "problem_management_inputs": [
                {"kind": "update_problem", "description": "add canary", "ref": "PRB1"}
            ],
        },
    )
    assert reviewed["state"] == "reviewed"
    assert (await life.command("PUT", "plan", plan)).status_code == 409
    # links are welcome until the review, which ends the escalation for good
    # (but for the problem records the review produces)
    late_link = await life.command("POST", "links", {"kind": "change", "ref": "CHG2"})
    assert late_link.status_code == 409, late_link.text
    assert "reviewed" in late_link.json()["detail"]
    return life


EXPECTED_TYPES = WHOLE_LIFECYCLE
