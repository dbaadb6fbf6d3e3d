"""The customer's own routes through the embedded app, on SQLite and real
PostgreSQL: a personal link issued by an operator opens the customer's page,
their acts are recorded in their name, and every link that should not open
gets the same refusal, counted in /metrics."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import AsyncIterator
from email.message import EmailMessage, MIMEPart
from pathlib import Path
from typing import Any

import pytest

from harness.factories import bearer
from harness.infra import DATABASES, database_of
from harness.waiting import eventually
from tests.support.metrics_text import scrape
from tests.support.process_walk import (
    HOUR,
    MANAGER,
    T0,
    Setup,
    act,
    manual_start,
    plan,
    walking_app,
)

JO = {"name": "Jo Meyer", "email": "jo@customer.example"}
REFUSED = "ec_customer_link_refusals_total"


@pytest.fixture(params=DATABASES)
async def setup(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Setup]:
    async with database_of(request.param, tmp_path) as url, walking_app(url, monkeypatch) as s:
        yield s


async def with_two_plans(setup: Setup) -> str:
    escalation_id = await manual_start(setup, 0 * HOUR)
    await act(setup, HOUR, escalation_id, "manager", {"manager": MANAGER})
    await act(setup, HOUR, escalation_id, "contacts", {"customer": [JO]})
    await act(setup, HOUR, escalation_id, "plan", plan(agreed=False))
    await act(setup, 2 * HOUR, escalation_id, "plan", {**plan(agreed=False), "reason": "v2"})
    return escalation_id


async def link_for(setup: Setup, escalation_id: str, email: str = JO["email"]) -> str:
    response = await setup.client.post(
        f"/v1/escalations/{escalation_id}/customer-links",
        json={"email": email},
        headers=bearer("operator"),
    )
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]
    return token


async def customer(setup: Setup, token: str, what: str = "", body: Any = None) -> Any:
    path = f"/v1/customer/{token}" + (f"/{what}" if what else "")
    if body is None:
        return await setup.client.get(path)
    return await setup.client.post(path, json=body)


async def test_a_customer_agrees_to_plan_version_2_in_their_own_name(setup: Setup) -> None:
    # given an escalation with two plan versions and Jo's personal link
    escalation_id = await with_two_plans(setup)
    token = await link_for(setup, escalation_id)

    # when Jo opens the page and agrees to version 2
    page = (await customer(setup, token)).json()
    agreed = await customer(setup, token, "plan-agreement", {"plan_version": 2, "comment": "ok"})

    # then the page spoke to Jo, and the agreement is recorded with Jo as its actor
    assert page["state_words"] == "We are working on it"
    assert page["plan"]["version"] == 2
    assert page["plan"]["actions"][0]["owner"] is None
    assert agreed.status_code == 200, agreed.text
    assert agreed.json()["plan"]["agreed"] is True
    events = (
        await setup.client.get(
            f"/v1/escalations/{escalation_id}/events", headers=bearer("operator")
        )
    ).json()["items"]
    last = events[-1]
    assert (last["type"], last["data"]["plan_version"]) == ("CustomerAgreedToPlan", 2)
    assert last["actor"]["role"] == "customer"
    assert "Jo Meyer" in last["actor"]["name"]
    # and, the link being one an operator issued by hand, the event says whose it was
    assert last["data"]["via_link_issued_by"] == "operator:olivia"
    state = (
        await setup.client.get(f"/v1/escalations/{escalation_id}", headers=bearer("operator"))
    ).json()
    assert state["plan"]["customer_agreed"] is True


async def test_resolution_and_closure_wait_for_the_customer(setup: Setup) -> None:
    escalation_id = await with_two_plans(setup)
    token = await link_for(setup, escalation_id)
    resolution = {"customer_confirmed": True, "monitoring_period": "PT1H"}
    url = f"/v1/escalations/{escalation_id}"

    refused = await setup.client.post(
        f"{url}/resolution", json=resolution, headers=bearer("operator")
    )
    assert refused.status_code == 409
    assert "not confirmed" in refused.json()["detail"]

    assert (await customer(setup, token, "resolution-confirmation", {})).status_code == 200
    await act(setup, 3 * HOUR, escalation_id, "resolution", resolution)
    setup.clock.now = T0 + 5 * HOUR

    async def passed() -> bool:
        state = (await setup.client.get(url, headers=bearer("operator"))).json()["state"]
        return state == "monitoring_passed"

    await eventually(passed)
    refused = await setup.client.post(f"{url}/closure", json={}, headers=bearer("operator"))
    assert refused.status_code == 409
    assert "has not agreed to closure" in refused.json()["detail"]

    assert (
        await customer(setup, token, "closure-agreement", {"comment": "fine"})
    ).status_code == 200
    await act(setup, 6 * HOUR, escalation_id, "closure", {})
    closed = (await setup.client.get(url, headers=bearer("operator"))).json()
    assert closed["state"] == "closed"
    assert closed["customer_agreement"] == {"by": "Jo Meyer", "note": "fine"}


async def test_the_customer_reports_a_recurrence_and_it_is_active_again(setup: Setup) -> None:
    escalation_id = await with_two_plans(setup)
    token = await link_for(setup, escalation_id)
    await customer(setup, token, "resolution-confirmation", {})
    resolution = {"customer_confirmed": True, "monitoring_period": "PT100H"}
    await act(setup, 3 * HOUR, escalation_id, "resolution", resolution)

    page = await customer(setup, token, "recurrence", {"note": "<script>x</script> failing again"})

    assert page.status_code == 200, page.text
    assert page.json()["state"] == "active"
    assert page.json()["history"][-1]["words"] == "<script>x</script> failing again"


async def test_every_link_that_should_not_open_gets_the_same_refusal(setup: Setup) -> None:
    escalation_id = await with_two_plans(setup)
    # given a revoked link, a tampered one, and one whose contact was then removed
    revoked = await link_for(setup, escalation_id)
    await setup.client.post(
        f"/v1/escalations/{escalation_id}/customer-links/revocation",
        json={"email": JO["email"]},
        headers=bearer("operator"),
    )
    fresh = await link_for(setup, escalation_id)
    tampered = fresh[:-1] + ("A" if fresh[-1] != "A" else "B")
    assert (await customer(setup, fresh)).status_code == 200
    await act(setup, 3 * HOUR, escalation_id, "contacts", {"customer": []})

    # when each is opened, with an unknown one and one too long to be ours
    answers = [
        await customer(setup, token)
        for token in ("unknown-token", revoked, tampered, fresh, "x" * 101)
    ]

    # then the four get one answer, word for word, and are counted
    assert {a.status_code for a in answers[:4]} == {404}
    assert len({a.text for a in answers[:4]}) == 1
    assert answers[4].status_code == 422
    scraped = await scrape(setup.client)
    assert scraped.value(REFUSED) == 4


async def test_a_link_expires_a_while_after_the_escalation_ended(setup: Setup) -> None:
    escalation_id = await with_two_plans(setup)
    token = await link_for(setup, escalation_id)
    await act(setup, 3 * HOUR, escalation_id, "withdrawal", {"reason": "opened by mistake"})

    setup.clock.now = T0 + 3 * HOUR + 29 * 24 * HOUR
    still = await customer(setup, token)
    setup.clock.now = T0 + 3 * HOUR + 30 * 24 * HOUR
    expired = await customer(setup, token)

    assert still.status_code == 200
    assert still.json()["state_words"].startswith("Withdrawn")
    assert expired.status_code == 404


async def test_what_a_customer_writes_is_bounded(setup: Setup) -> None:
    escalation_id = await with_two_plans(setup)
    token = await link_for(setup, escalation_id)

    answer = await customer(
        setup, token, "plan-decline", {"plan_version": 2, "comment": "x" * 2001}
    )

    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "comment" in answer.text


LINK = re.compile(r"/customer/([\w-]+)")


async def events_of(setup: Setup, escalation_id: str) -> list[dict[str, Any]]:
    answer = await setup.client.get(
        f"/v1/escalations/{escalation_id}/events", headers=bearer("operator")
    )
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def test_a_customer_whose_link_no_longer_opens_gets_a_new_one_by_mail(
    setup: Setup,
) -> None:
    # given Jo's link, revoked by an operator
    escalation_id = await with_two_plans(setup)
    revoked = await link_for(setup, escalation_id)
    await setup.client.post(
        f"/v1/escalations/{escalation_id}/customer-links/revocation",
        json={"email": JO["email"]},
        headers=bearer("operator"),
    )

    # when its holder asks for a new link twice, and an unknown link asks too
    answers = [
        await customer(setup, token, "link-request", {})
        for token in (revoked, revoked, "unknown-token")
    ]

    # then all three get one answer, word for word
    assert {a.status_code for a in answers} == {202}
    assert len({a.text for a in answers}) == 1
    # and one ask is recorded, in Jo's name (the second came within the hour)
    asked = [
        e for e in await events_of(setup, escalation_id) if e["type"] == "CustomerAskedForLink"
    ]
    assert [(e["actor"]["role"], e["data"]["contact"]["email"]) for e in asked] == [
        ("customer", JO["email"])
    ]

    # and a mail to Jo alone carries a new link that opens the page
    async def new_link_mail() -> list[dict[str, Any]] | None:
        answer = await setup.client.get(
            "/v1/outbox", params={"escalation_id": escalation_id}, headers=bearer("operator")
        )
        mails = [m for m in answer.json()["items"] if m["event_type"] == "CustomerAskedForLink"]
        return mails or None

    [mail] = await eventually(new_link_mail)
    assert mail["to"] == JO["email"]
    # and, the outbox being read by others than Jo, it shows the link masked
    # (the real mail carries a live one: tests/browser/test_customer_mail.py)
    shown = await setup.client.get(f"/v1/outbox/{mail['id']}", headers=bearer("auditor"))
    assert shown.json()["body"].endswith("/customer/••••••\n")
    assert LINK.search(shown.json()["body"]) is None


async def test_the_outbox_never_shows_a_customers_live_link(setup: Setup) -> None:
    # given an escalation whose customer contact Jo is mailed of its progress
    escalation_id = await with_two_plans(setup)
    await act(
        setup,
        3 * HOUR,
        escalation_id,
        "progress",
        {
            "note": "Three of five gateways restored.",
            "next_update_due": (T0 + 5 * HOUR).isoformat(),
        },
    )

    async def jos_mails() -> list[dict[str, Any]] | None:
        answer = await setup.client.get(
            "/v1/outbox",
            params={"escalation_id": escalation_id, "to": JO["email"]},
            headers=bearer("auditor"),
        )
        mails = [m for m in answer.json()["items"] if m["event_type"] == "ProgressReported"]
        return mails or None

    [mail] = await eventually(jos_mails)

    # when an auditor reads it as JSON and as the whole message
    path = f"/v1/outbox/{mail['id']}"
    shown = (await setup.client.get(path, headers=bearer("auditor"))).json()
    raw = await setup.client.get(path, headers={**bearer("auditor"), "Accept": "message/rfc822"})

    # then the link is there, masked, in the text and in the message, and nowhere live
    assert shown["body"].endswith("/customer/••••••\n")
    assert LINK.search(shown["body"]) is None
    assert LINK.search(" ".join(value for _, value in shown["headers"])) is None
    message = email.message_from_bytes(raw.content, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    text = message.get_body(("plain",))
    assert isinstance(text, MIMEPart)
    assert text.get_content().endswith("/customer/••••••\n")
    assert LINK.search(text.get_content()) is None


async def test_no_new_link_for_an_expired_one_or_a_removed_contact(setup: Setup) -> None:
    # given a link of an escalation withdrawn 30 days ago, and one of a removed contact
    expired_in = await with_two_plans(setup)
    expired = await link_for(setup, expired_in)
    await act(setup, 3 * HOUR, expired_in, "withdrawal", {"reason": "opened by mistake"})
    removed_from = await with_two_plans(setup)
    removed = await link_for(setup, removed_from)
    await act(setup, 3 * HOUR, removed_from, "contacts", {"customer": []})
    setup.clock.now = T0 + 3 * HOUR + 30 * 24 * HOUR

    # when their holders ask for new links
    answers = [await customer(setup, token, "link-request", {}) for token in (expired, removed)]

    # then they get the answer everyone gets, and nothing is recorded
    assert {a.status_code for a in answers} == {202}
    assert len({a.text for a in answers}) == 1
    for escalation_id in (expired_in, removed_from):
        types = {e["type"] for e in await events_of(setup, escalation_id)}
        assert "CustomerAskedForLink" not in types
