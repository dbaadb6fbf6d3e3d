"""The escalation routes through the real app (all four services in one
process, the in-process bus) on either database, and bodies for its commands."""

from __future__ import annotations

from typing import Any

import httpx

from harness.factories import bearer
from tests.support.lifecycle import MANAGER, soon


def plan_body(**overrides: Any) -> dict[str, Any]:
    return {
        "actions": [{"title": "Restore certificates", "owner": "Lee Park", "due": soon(hours=2)}],
        "resources": ["two network engineers"],
        "customer_agreed": True,
        "override_reason": "agreed on the call",
        "reason": "first plan",
        "review_by": soon(hours=4),
        **overrides,
    }


# One valid body for each command route, in an order the process allows.
VALID_BODIES: dict[str, tuple[str, dict[str, Any]]] = {
    "manager": ("PUT", {"manager": MANAGER}),
    "links": ("POST", {"kind": "problem", "ref": "PRB1"}),
    "team": (
        "PUT",
        {
            "members": [
                {"id": "u-1", "name": "Lee", "email": "lee@p.example", "role": "incident owner"}
            ]
        },
    ),
    "contacts": ("PUT", {"provider": [{"name": "Sam", "email": "sam@p.example"}]}),
    "assessment": ("POST", {"summary": "EU payments fail", "impact": "many", "risk": "fines"}),
    "plan": ("PUT", plan_body()),
    "level": ("POST", {"level": 2, "reason": "directors must know"}),
    "progress": ("POST", {"note": "3 of 5 restored", "next_update_due": soon(hours=1)}),
    "resolution": (
        "POST",
        {
            "customer_confirmed": True,
            "override_reason": "confirmed on the phone",
            "monitoring_period": "PT1H",
        },
    ),
}


async def start_by_hand(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await client.post(
        "/v1/escalations",
        json={"reason": "the customer called", **body},
        headers=bearer("operator"),
    )


async def started(client: httpx.AsyncClient) -> str:
    response = await start_by_hand(client)
    assert response.status_code == 201, response.text
    escalation_id: str = response.json()["id"]
    return escalation_id


async def command(
    client: httpx.AsyncClient, escalation_id: str, suffix: str, body: dict[str, Any]
) -> httpx.Response:
    method = VALID_BODIES[suffix][0] if suffix in VALID_BODIES else "POST"
    return await client.request(
        method,
        f"/v1/escalations/{escalation_id}/{suffix}",
        json=body,
        headers=bearer("operator"),
    )
