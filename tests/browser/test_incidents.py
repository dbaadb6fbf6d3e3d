"""What came in, escalated or not: the incidents view, the decision on each and
why, and an escalation started by hand from one that did not escalate."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.browser.console import TOKENS, Console, decided, escalation_of, post_incident
from tests.browser.test_escalation_walk import _shoot


def test_an_incident_that_did_not_escalate_is_explained_and_escalated_by_hand(
    open_console: Console.Factory,
) -> None:
    customer = f"Litware-{uuid.uuid4().hex[:6]}"
    olivia = open_console("olivia").sign_in(TOKENS["operator"])
    quiet = post_incident(
        olivia.base, title="Slow reports export", customer=customer, priority="P4", tier="silver"
    )
    loud = post_incident(olivia.base, title="Checkout failing", customer=customer)
    explanation = decided(olivia.base, quiet)[-1]["explanation"]
    escalated_to = escalation_of(olivia.base, loud)

    olivia.page.click("nav >> text=Incidents")
    expect(olivia.page.locator("h1")).to_have_text("Incidents")
    olivia.page.fill("input[name=customer_id]", customer)
    olivia.page.click("form.filters button[type=submit]")
    rows = olivia.page.locator("#incidents tr.row")
    expect(rows).to_have_count(2)
    quiet_row = olivia.page.locator("#incidents tr.row", has_text="Slow reports export")
    expect(quiet_row.locator(".verdict")).to_contain_text(explanation)
    loud_row = olivia.page.locator("#incidents tr.row", has_text="Checkout failing")
    expect(loud_row.locator(".verdict a")).to_have_attribute(
        "href", f"/console/escalations/{escalated_to}"
    )
    _shoot(olivia, "console-incidents")

    quiet_row.locator("a").first.click()
    expect(olivia.page.locator("h1")).to_have_text("Slow reports export")
    expect(olivia.page.locator("[data-testid=verdict]")).to_contain_text(explanation)
    expect(olivia.page.locator("#decision .rules tr").first).to_be_visible()
    expect(olivia.page.locator("#history")).to_contain_text("IncidentReported")
    _shoot(olivia, "console-incident")

    # An auditor reads the same page, without the form.
    audrey = open_console("audrey").sign_in(TOKENS["auditor"])
    audrey.page.goto(olivia.page.url)
    expect(audrey.page.locator("[data-testid=verdict]")).to_contain_text(explanation)
    expect(audrey.page.locator("#form-start")).to_have_count(0)

    form = olivia.page.locator("#form-start")
    form.locator("[name=reason]").fill("the customer's CFO called: month-end reports")
    form.locator("button[type=submit]").click()
    expect(olivia.page.locator(".flash", has_text="Escalation started")).to_be_visible()
    expect(olivia.page.locator("h1")).to_have_text("Slow reports export")
    expect(olivia.page.locator("#timeline")).to_contain_text("month-end reports")

    # The incident now links to the escalation it started.
    olivia.page.goto(f"{olivia.base}/console/incidents/{quiet}")
    expect(olivia.page.locator("[data-testid=escalation-link]")).to_be_visible()


def test_the_board_finds_an_escalation_by_its_platform_incident_number(
    open_console: Console.Factory,
) -> None:
    customer = f"Adatum-{uuid.uuid4().hex[:6]}"
    number = f"INC{uuid.uuid4().int % 10**10:010d}"
    olivia = open_console("olivia").sign_in(TOKENS["operator"])
    incident = post_incident(
        olivia.base, title="Print queue stuck", customer=customer, number=number
    )
    escalation_of(olivia.base, incident)

    # The title does not hold the number: the board asks the intake for it.
    olivia.board(q=number)

    expect(olivia.row("Print queue stuck")).to_be_visible()
    expect(olivia.page.locator("#board tr.row")).to_have_count(1)
