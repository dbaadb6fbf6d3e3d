"""Driving an escalation from a platform's webhook to its review through the
HTTP contract, for the round-trip tests with the ITSM platforms' fakes (the
four processes, or the embedded app)."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from ec_intake.webhooks import ec_signature, pagerduty_signature
from harness.factories import bearer
from harness.waiting import eventually

SN_SECRET, PD_SECRET = "sn-webhook-secret", "pd-webhook-secret"
WEBHOOK_SECRETS = f"pagerduty:{PD_SECRET},servicenow:{SN_SECRET}"


async def post_webhook(intake: httpx.AsyncClient, source: str, payload: dict[str, Any]) -> str:
    body = json.dumps(payload).encode()
    headers = {"content-type": "application/json"}
    if source == "servicenow":
        headers["X-EC-Signature"] = ec_signature(body, SN_SECRET, int(time.time()))
    elif source == "pagerduty":
        headers["X-PagerDuty-Signature"] = pagerduty_signature(body, PD_SECRET)
    else:
        headers |= bearer("intake")
    answer = await intake.post(f"/v1/webhooks/{source}", content=body, headers=headers)
    assert answer.status_code == 202, answer.text
    incident_id: str = answer.json()["incidents"][0]["id"]
    return incident_id


async def escalation_of(escalation: httpx.AsyncClient, incident_id: str) -> str:
    async def listed() -> list[dict[str, Any]]:
        found = await escalation.get(
            "/v1/escalations", params={"incident_id": incident_id}, headers=bearer("operator")
        )
        items: list[dict[str, Any]] = found.json()["items"]
        return items

    [escalation] = await eventually(listed)
    escalation_id: str = escalation["id"]
    return escalation_id


async def to_review(escalation: httpx.AsyncClient, escalation_id: str, *, problem: str) -> None:
    """Manager, resolution, monitoring passed, closure, and a review opening a problem."""

    async def command(method: str, suffix: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = await escalation.request(
            method,
            f"/v1/escalations/{escalation_id}/{suffix}",
            json=body,
            headers=bearer("operator"),
        )
        assert answer.status_code == 200, answer.text
        state: dict[str, Any] = answer.json()
        return state

    manager = {"id": "u-117", "name": "Dana Okafor", "email": "dana@provider.example"}
    await command("PUT", "manager", {"manager": manager})
    await command(
        "POST",
        "resolution",
        {
            "customer_confirmed": True,
            "override_reason": "confirmed on the phone",
            "monitoring_period": "PT1S",
        },
    )

    async def passed() -> bool:
        answer = await escalation.get(
            f"/v1/escalations/{escalation_id}", headers=bearer("operator")
        )
        return bool(answer.json()["state"] == "monitoring_passed")

    await eventually(passed)
    await command(
        "POST",
        "closure",
        {
            "customer_agreement": {"by": "Jo Meyer", "note": "agreed"},
            "override_reason": "agreed on the phone",
        },
    )
    await command(
        "POST",
        "review",
        {
            "findings": "certificate rotation lacked a canary",
            "problem_management_inputs": [{"kind": "open_problem", "description": problem}],
        },
    )


async def problem_link(escalation: httpx.AsyncClient, escalation_id: str) -> dict[str, Any]:
    async def linked() -> dict[str, Any] | None:
        answer = await escalation.get(
            f"/v1/escalations/{escalation_id}/events", headers=bearer("auditor")
        )
        found = [
            e
            for e in answer.json()["items"]
            if e["type"] == "RecordLinked" and e["data"]["kind"] == "problem"
        ]
        return found[0] if found else None

    return await eventually(linked)
