"""The customer's page as the embedded app serves it at /customer/: HTML that
works without JavaScript, strict headers, CSRF-protected forms, everything the
customer writes escaped, and the same refusal for a link that does not open."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from harness.factories import bearer
from harness.infra import database_of
from tests.integration.test_customer_links import JO, link_for, with_two_plans
from tests.support.process_walk import Setup, walking_app


@pytest.fixture
async def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Setup]:
    async with database_of("sqlite", tmp_path) as url, walking_app(url, monkeypatch) as s:
        yield s


def without_csrf(page: httpx.Response) -> str:
    return page.text.replace(csrf_of(page), "")


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert found, page.text
    return found.group(1)


async def test_the_page_is_strict_and_speaks_to_the_customer(setup: Setup) -> None:
    escalation_id = await with_two_plans(setup)
    token = await link_for(setup, escalation_id)

    page = await setup.client.get(f"/customer/{token}")

    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "no-referrer"
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "script-src" not in csp
    assert "<script" not in page.text
    assert "We are working on it" in page.text
    assert "Action plan, version 2" in page.text
    assert "Lee Park" not in page.text  # the action owner is internal unless shown


async def test_agreeing_through_the_form_is_recorded_and_told_back(setup: Setup) -> None:
    escalation_id = await with_two_plans(setup)
    token = await link_for(setup, escalation_id)
    page = await setup.client.get(f"/customer/{token}")

    answer = await setup.client.post(
        f"/customer/{token}",
        data={
            "csrf": csrf_of(page),
            "act": "agree_plan",
            "plan_version": "2",
            "comment": "<script>alert(1)</script>",
        },
    )

    assert answer.status_code == 303, answer.text
    shown = await setup.client.get(answer.headers["location"])
    assert "Thank you: your agreement to the plan is recorded." in shown.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown.text
    assert "<script>alert(1)" not in shown.text
    state = (
        await setup.client.get(f"/v1/escalations/{escalation_id}", headers=bearer("operator"))
    ).json()
    assert state["customer_acts"][-1]["contact"] == JO


async def test_a_form_without_the_pages_csrf_value_records_nothing(setup: Setup) -> None:
    escalation_id = await with_two_plans(setup)
    token = await link_for(setup, escalation_id)

    answer = await setup.client.post(
        f"/customer/{token}", data={"csrf": "0" * 64, "act": "agree_plan", "plan_version": "2"}
    )

    assert answer.status_code == 403
    state = (
        await setup.client.get(f"/v1/escalations/{escalation_id}", headers=bearer("operator"))
    ).json()
    assert state["customer_acts"] == []


async def test_too_long_words_get_a_friendly_error_on_the_page(setup: Setup) -> None:
    escalation_id = await with_two_plans(setup)
    token = await link_for(setup, escalation_id)
    page = await setup.client.get(f"/customer/{token}")

    answer = await setup.client.post(
        f"/customer/{token}",
        data={
            "csrf": csrf_of(page),
            "act": "decline_plan",
            "plan_version": "2",
            "comment": "x" * 2001,
        },
    )

    assert answer.status_code == 422
    assert "Please keep what you write under 2000 characters." in answer.text


async def test_a_link_that_does_not_open_gets_the_one_refusal(setup: Setup) -> None:
    escalation_id = await with_two_plans(setup)
    token = await link_for(setup, escalation_id)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")

    answers = [await setup.client.get(f"/customer/{t}") for t in (tampered, "no-such-link")]

    assert [a.status_code for a in answers] == [404, 404]
    # word for word, but for the CSRF value of the form asking for a new link
    assert without_csrf(answers[0]) == without_csrf(answers[1])
    assert "This link does not open a page" in answers[0].text


async def test_a_refused_link_asks_for_a_new_one_through_its_form(setup: Setup) -> None:
    # given Jo's revoked link, refused
    escalation_id = await with_two_plans(setup)
    token = await link_for(setup, escalation_id)
    await setup.client.post(
        f"/v1/escalations/{escalation_id}/customer-links/revocation",
        json={"email": JO["email"]},
        headers=bearer("operator"),
    )
    refusal = await setup.client.get(f"/customer/{token}")
    assert refusal.status_code == 404

    # when the refusal's form is sent, and once more with a forged CSRF value
    asked = await setup.client.post(
        f"/customer/{token}", data={"csrf": csrf_of(refusal), "act": "ask_link"}
    )
    forged = await setup.client.post(
        f"/customer/{token}", data={"csrf": "0" * 64, "act": "ask_link"}
    )

    # then the customer is told a link is on its way, and the ask is recorded once
    assert asked.status_code == 200
    assert "a new link is on its way to you by mail" in asked.text
    assert forged.status_code == 403
    events = (
        await setup.client.get(
            f"/v1/escalations/{escalation_id}/events", headers=bearer("operator")
        )
    ).json()["items"]
    assert [e["type"] for e in events].count("CustomerAskedForLink") == 1
