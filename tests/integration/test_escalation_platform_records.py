"""The escalation service passes on where its incidents live on their ITSM
platforms (for the notifier's write-backs): on the start, on an incident linked
by its id, on a reopening by a new matching incident; and it links the problem
records the review produces, after the review. Through HTTP, in the embedded
mode, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.apps import app_on
from harness.factories import bearer, incident_body
from harness.infra import DATABASES
from harness.waiting import eventually
from tests.support.lifecycle import MANAGER, Lifecycle, Services

SNOW = {
    "platform": "servicenow",
    "record_id": "9d385017c611228701d22104cc95c371",
    "number": "INC0012345",
}
JIRA = {"platform": "jira", "record_id": "SUP-42", "number": None}
PAGERDUTY = {"platform": "pagerduty", "record_id": "Q2LJ4TZ0ABC9PQ", "number": "1187"}
PROBLEM = {
    "platform": "servicenow",
    "record_id": "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    "number": "PRB0040001",
}
QUIET = {"priority": "P5", "customer": {"id": "c-quiet", "name": "Quiet", "tier": "bronze"}}


@pytest.fixture(params=DATABASES)
async def client(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    async with app_on(request.param, tmp_path, monkeypatch) as client:
        yield client


def lifecycle(client: httpx.AsyncClient) -> Lifecycle:
    return Lifecycle(Services(client, client, client, client))


async def report(client: httpx.AsyncClient, **fields: Any) -> str:
    posted = await client.post(
        "/v1/incidents", json=incident_body(**fields), headers=bearer("intake")
    )
    assert posted.status_code == 202, posted.text
    incident_id: str = posted.json()["id"]
    return incident_id


async def escalation_of(client: httpx.AsyncClient, incident_id: str) -> str:
    async def listed() -> list[dict[str, Any]]:
        answer = await client.get(
            "/v1/escalations", params={"incident_id": incident_id}, headers=bearer("operator")
        )
        items: list[dict[str, Any]] = answer.json()["items"]
        return items

    [escalation] = await eventually(listed)
    escalation_id: str = escalation["id"]
    return escalation_id


async def known_to_escalation(client: httpx.AsyncClient, incident_id: str) -> None:
    """Waits until the escalation service has decided on the incident."""

    async def decided() -> list[dict[str, Any]]:
        answer = await client.get(
            f"/v1/incidents/{incident_id}/decisions", headers=bearer("operator")
        )
        items: list[dict[str, Any]] = answer.json()["items"] if answer.status_code == 200 else []
        return items

    await eventually(decided)


async def events(client: httpx.AsyncClient, escalation_id: str) -> list[dict[str, Any]]:
    answer = await client.get(f"/v1/escalations/{escalation_id}/events", headers=bearer("auditor"))
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def test_an_escalation_started_from_a_servicenow_incident_names_its_record(
    client: httpx.AsyncClient,
) -> None:
    # given a P1 from ServiceNow, with its record
    incident_id = await report(client, priority="P1", platform_record=SNOW)

    # when it starts an escalation
    life = lifecycle(client)
    life.escalation_id = await escalation_of(client, incident_id)

    # then the start event and the escalation name the incident's record
    [started] = await events(client, life.escalation_id)
    assert started["data"]["incident_records"] == [{"incident_id": incident_id, "record": SNOW}]
    assert (await life.state())["incident_records"] == [
        {"incident_id": incident_id, "record": SNOW}
    ]


async def test_a_start_by_hand_names_the_records_of_the_incidents_it_names(
    client: httpx.AsyncClient,
) -> None:
    # given a quiet Jira incident the escalation service has heard of
    incident_id = await report(client, **QUIET, platform_record=JIRA)
    await known_to_escalation(client, incident_id)

    # when an operator escalates it by hand
    answer = await client.post(
        "/v1/escalations",
        json={"reason": "the customer called", "incident_ids": [incident_id]},
        headers=bearer("operator"),
    )

    # then the escalation names its record
    assert answer.status_code == 201, answer.text
    assert answer.json()["incident_records"] == [{"incident_id": incident_id, "record": JIRA}]


async def test_an_incident_linked_by_its_id_brings_its_platform_record(
    client: httpx.AsyncClient,
) -> None:
    # given an escalation, and a quiet Jira incident the escalation service has heard of
    life = lifecycle(client)
    await life.start_from_p1()
    jira = await report(client, **QUIET, platform_record=JIRA)
    await known_to_escalation(client, jira)

    # when the incident is linked to the escalation by its Escalation Center id
    state = await life.ok("POST", "links", {"kind": "incident", "ref": jira})

    # then the link and the event carry its record
    linked = (await events(client, life.escalation_id))[-1]
    assert linked["type"] == "RecordLinked"
    assert linked["data"]["platform_record"] == JIRA
    assert state["links"] == [{"kind": "incident", "ref": jira, "platform_record": JIRA}]
    assert {"incident_id": jira, "record": JIRA} in state["incident_records"]


async def test_a_new_matching_incident_reopening_an_escalation_brings_its_record(
    client: httpx.AsyncClient,
) -> None:
    # given a resolved escalation of a customer's service
    customer = {"id": "c-reopen", "name": "Reopen", "tier": "gold"}
    first = await report(client, priority="P1", customer=customer, service="checkout")
    life = lifecycle(client)
    life.escalation_id = await escalation_of(client, first)
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

    # when a new P1 from PagerDuty comes in for the same customer and service
    second = await report(
        client, priority="P1", customer=customer, service="checkout", platform_record=PAGERDUTY
    )

    # then the escalation reopens naming the new incident's record
    state = await life.wait_for_state("active")
    reopened = (await events(client, life.escalation_id))[-1]
    assert reopened["type"] == "EscalationReopened"
    assert reopened["data"]["incident_id"] == second
    assert reopened["data"]["platform_record"] == PAGERDUTY
    assert {"incident_id": second, "record": PAGERDUTY} in state["incident_records"]


async def test_a_problem_record_from_the_review_is_linked_after_it_but_no_incident_is(
    client: httpx.AsyncClient,
) -> None:
    # given a reviewed escalation whose review asked for a problem record
    life = lifecycle(client)
    await life.start_from_p1()
    await life.ok("PUT", "manager", {"manager": MANAGER})
    await life.ok(
        "POST",
        "resolution",
        {
            "customer_confirmed": True,
            "override_reason": "confirmed on the phone",
            "monitoring_period": "PT1S",
        },
    )
    await life.wait_for_state("monitoring_passed")
    await life.ok(
        "POST",
        "closure",
        {
            "customer_agreement": {"by": "Jo", "note": "agreed"},
            "override_reason": "agreed on the phone",
        },
    )
    review = {"kind": "open_problem", "description": "certificate rotation lacks a canary"}
    await life.ok(
        "POST", "review", {"findings": "no canary", "problem_management_inputs": [review]}
    )

    # when the problem record the platform created is linked, with its record
    body = {"kind": "problem", "ref": "PRB0040001", "platform_record": PROBLEM}
    linked = await life.command("POST", "links", body)

    # then it is linked, and the stream says which record the review produced
    assert linked.status_code == 200, linked.text
    assert linked.json()["state"] == "reviewed"
    last = (await events(client, life.escalation_id))[-1]
    assert last["type"] == "RecordLinked"
    assert last["data"]["kind"] == "problem"
    assert last["data"]["ref"] == "PRB0040001"
    assert last["data"]["platform_record"] == PROBLEM

    # and linking it again records nothing more (the answer is the same escalation)
    again = await life.command("POST", "links", body)
    assert again.status_code == 200, again.text
    assert again.json()["version"] == linked.json()["version"]

    # and an incident is no longer linked after the review
    late = await life.command("POST", "links", {"kind": "incident", "ref": "INC0099999"})
    assert late.status_code == 409, late.text
    assert "reviewed" in late.json()["detail"]


async def test_a_link_whose_record_id_is_off_its_platform_s_form_is_422_naming_it(
    client: httpx.AsyncClient,
) -> None:
    # given an escalation
    life = lifecycle(client)
    await life.start_from_p1()
    hostile = {"platform": "servicenow", "record_id": "../../../api/now/table/sys_user/x?x="}

    # when a problem is linked with a record id that is a path
    body = {"kind": "problem", "ref": "PRB0040009", "platform_record": hostile}
    answer = await life.command("POST", "links", body)

    # then it is refused, naming the field, and nothing was linked
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in answer.json()["errors"]] == ["platform_record.record_id"]
    assert (await life.state())["links"] == []
