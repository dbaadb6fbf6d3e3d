"""Where an escalation's records live on the ITSM platforms, as people know
them there: the incident's ServiceNow number, a linked problem's Jira key."""

from __future__ import annotations

import uuid

import httpx
from playwright.sync_api import expect

from tests.browser.console import TOKENS, Console, escalation_of, post_incident
from tests.browser.test_escalation_walk import DOCS_SHOTS


def test_an_escalation_shows_its_incident_s_number_and_its_problem_s_platform(
    open_console: Console.Factory,
) -> None:
    # given an escalation started from a ServiceNow incident, with a Jira problem linked
    number = f"INC{uuid.uuid4().int % 10**7:07d}"
    olivia = open_console("olivia").sign_in(TOKENS["operator"])
    record = {"platform": "servicenow", "record_id": uuid.uuid4().hex, "number": number}
    incident_id = post_incident(
        olivia.base,
        title="Card payments declined",
        customer=f"Fabrikam-{uuid.uuid4().hex[:6]}",
        number=number,
        platform_record=record,
    )
    escalation_id = escalation_of(olivia.base, incident_id)
    problem = {"platform": "jira", "record_id": "PRB-77", "number": None}
    linked = httpx.post(
        f"{olivia.base}/v1/escalations/{escalation_id}/links",
        headers={"Authorization": f"Bearer {TOKENS['operator']}"},
        json={"kind": "problem", "ref": "PRB-77", "platform_record": problem},
        timeout=30,
    )
    assert linked.status_code == 200, linked.text

    # when the escalation is opened
    olivia.open_escalation(escalation_id)

    # then its incident shows by its ServiceNow number, and the problem by its platform
    links = olivia.page.locator("#links")
    expect(links.locator("[data-testid=incident-platform]")).to_have_text(f"ServiceNow {number}")
    expect(links.locator("[data-testid=link-platform]")).to_have_text("on Jira")
    DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
    links.screenshot(path=str(DOCS_SHOTS / "console-platform-records.png"))

    # and the incident's own page names it too
    olivia.page.goto(f"{olivia.base}/console/incidents/{incident_id}")
    expect(olivia.page.locator("[data-testid=platform-record]")).to_have_text(
        f"ServiceNow {number}"
    )
