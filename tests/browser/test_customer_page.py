"""The customer's own page in a real browser: a customer contact opens their
personal link, agrees to plan version 2, confirms the resolution, reports a
recurrence and agrees to closure; the operator sees each act on the
escalation page's timeline. The link from a mail, and links that should not
open: test_customer_mail.py."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.browser.console import TOKENS, Console, escalation_of, later, post_incident
from tests.browser.test_escalation_walk import DOCS_SHOTS as SHOTS
from tests.browser.test_escalation_walk import _shoot

JO = {"name": "Jo Meyer", "email": "jo@customer.example"}
ACTION = {"title": "Fail over to the standby gateway", "owner": "Ines Owner", "due": None}


def operator(base: str, method: str, path: str, body: Any) -> httpx.Response:
    return httpx.request(
        method,
        f"{base}{path}",
        json=body,
        headers={"Authorization": f"Bearer {TOKENS['operator']}"},
        timeout=30,
    )


def ready_with_two_plans(base: str) -> str:
    incident = post_incident(
        base, title="Card payments fail", customer=f"Contoso-{uuid.uuid4().hex[:6]}"
    )
    escalation_id = escalation_of(base, incident)
    url = f"/v1/escalations/{escalation_id}"
    manager = {"id": "mia", "name": "Mia Manager", "email": "mia@provider.example"}
    steps = [
        ("PUT", "manager", {"manager": manager}),
        ("PUT", "contacts", {"customer": [JO]}),
        (
            "PUT",
            "plan",
            {
                "actions": [{**ACTION, "due": later(hours=2) + ":00Z"}],
                "reason": "first plan",
                "review_by": later(hours=4) + ":00Z",
            },
        ),
        (
            "PUT",
            "plan",
            {
                "actions": [
                    {**ACTION, "due": later(hours=2) + ":00Z"},
                    {
                        "title": "Hourly status to the customer",
                        "owner": "Mia Manager",
                        "due": later(hours=20) + ":00Z",
                    },
                ],
                "reason": "the customer asked for hourly news",
                "review_by": later(hours=6) + ":00Z",
            },
        ),
        (
            "POST",
            "progress",
            {"note": "standby gateway warming up", "next_update_due": later(hours=1) + ":00Z"},
        ),
    ]
    for method, suffix, body in steps:
        answer = operator(base, method, f"{url}/{suffix}", body)
        assert answer.status_code == 200, answer.text
    return escalation_id


def link_for(base: str, escalation_id: str) -> str:
    answer = operator(
        base, "POST", f"/v1/escalations/{escalation_id}/customer-links", {"email": JO["email"]}
    )
    assert answer.status_code == 201, answer.text
    path: str = answer.json()["path"]
    return f"{base}{path}"


def answer_on(page: Page, act: str, words: str | None = None) -> None:
    form = page.locator(f"form[data-act={act}]")
    if words is not None:
        form.locator("textarea").fill(words)
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=done]")).to_be_visible()


def test_a_customer_agrees_reports_a_recurrence_and_agrees_to_close_on_their_page(
    open_console: Console.Factory,
) -> None:
    olivia = open_console("olivia").sign_in(TOKENS["operator"])
    escalation_id = ready_with_two_plans(olivia.base)
    link = link_for(olivia.base, escalation_id)
    jo = open_console("jo", width=900, height=1100)

    # The customer agrees to plan version 2 in their own name.
    jo.page.goto(link)
    expect(jo.page.locator("#plan h2")).to_have_text("Action plan, version 2")
    expect(jo.page.locator("#plan")).not_to_contain_text("Ines Owner")
    answer_on(jo.page, "agree_plan", "Agreed. <b>Hourly</b> news, please.")
    expect(jo.page.locator("[data-testid=plan-agreed]")).to_have_text(
        "You have agreed to this version."
    )
    expect(jo.page.locator("[data-testid=history]")).to_contain_text(
        "Agreed. <b>Hourly</b> news, please."
    )
    _shoot(jo, "customer-page")

    # The operator sees it on the escalation page and in its timeline.
    olivia.open_escalation(escalation_id)
    expect(olivia.page.locator("#timeline")).to_contain_text(
        "customer Jo Meyer <jo@customer.example> agreed to plan version 2"
    )
    expect(olivia.page.locator("#plan .plan.current")).to_contain_text("customer agreed")
    # and, Olivia having issued that link by hand, both say it came through her link
    via = "through a link issued by operator:olivia"
    expect(olivia.page.locator("#timeline")).to_contain_text(via)
    expect(olivia.page.locator("#plan [data-testid=customer-answer-via]")).to_contain_text(via)
    olivia.page.locator("#plan").screenshot(path=str(SHOTS / "plan-answer-via-operator-link.png"))

    # Resolution waits for the customer; then a recurrence during monitoring.
    resolution = {"customer_confirmed": True, "monitoring_period": "PT1H"}
    url = f"/v1/escalations/{escalation_id}"
    assert operator(olivia.base, "POST", f"{url}/resolution", resolution).status_code == 409
    jo.page.goto(link)
    answer_on(jo.page, "confirm_resolution")
    assert operator(olivia.base, "POST", f"{url}/resolution", resolution).status_code == 200
    jo.page.goto(link)
    answer_on(jo.page, "report_recurrence", "Card payments fail again since 14:00")
    expect(jo.page.locator("[data-testid=state]")).to_have_text("We are working on it")
    olivia.open_escalation(escalation_id)
    expect(olivia.state()).to_have_text("Active")
    expect(olivia.page.locator("#timeline")).to_contain_text("reported a recurrence")

    # Closure is refused without the customer's agreement and allowed after it.
    answer_on(jo.page, "confirm_resolution")
    short = {**resolution, "monitoring_period": "PT1S"}
    assert operator(olivia.base, "POST", f"{url}/resolution", short).status_code == 200
    olivia.open_escalation(escalation_id)
    expect(olivia.state()).to_have_text("Monitoring passed")
    refused = operator(olivia.base, "POST", f"{url}/closure", {})
    assert refused.status_code == 409
    assert "has not agreed to closure" in refused.json()["detail"]
    jo.page.goto(link)
    answer_on(jo.page, "agree_closure", "Stable since yesterday, fine to close")
    assert operator(olivia.base, "POST", f"{url}/closure", {}).status_code == 200
    olivia.open_escalation(escalation_id)
    expect(olivia.state()).to_have_text("Closed")
    expect(olivia.page.locator("#timeline")).to_contain_text("by the customer Jo Meyer")
