"""Mistakes put right in the console: an escalation started by mistake is
withdrawn, a wrong title corrected; the board and the timeline say so."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.browser.console import TOKENS, Console, escalation_of, post_incident
from tests.browser.test_escalation_walk import _shoot


def test_an_escalation_started_by_mistake_is_withdrawn_and_leaves_the_board(
    open_console: Console.Factory,
) -> None:
    customer = f"Contoso-{uuid.uuid4().hex[:6]}"
    olivia = open_console("olivia").sign_in(TOKENS["operator"])
    incident = post_incident(olivia.base, title="Test alert from staging", customer=customer)
    escalation_id = escalation_of(olivia.base, incident)
    olivia.board(customer=customer)
    expect(olivia.row("Test alert from staging")).to_be_visible()

    olivia.open_escalation(escalation_id)
    # The reason is required: the form says so next to the field.
    form = olivia.expand("withdrawal")
    form.locator("[name=reason]").evaluate("e => e.removeAttribute('required')")
    form.locator("button[type=submit]").click()
    expect(olivia.form("withdrawal").locator(".field-error")).to_contain_text("mistake")

    olivia.submit(
        "withdrawal",
        {"reason": "a staging alert, sent to production by mistake"},
        expect_done="Escalation withdrawn",
    )
    expect(olivia.state()).to_have_text("Withdrawn")
    expect(olivia.page.locator("[data-testid=withdrawn]")).to_contain_text("staging alert")
    expect(olivia.page.locator("#timeline")).to_contain_text(
        "Withdrawn as started by mistake: a staging alert"
    )
    # Nothing more to do with it; not even withdrawing it again.
    expect(olivia.page.locator("#form-withdrawal")).to_have_count(0)
    _shoot(olivia, "console-withdrawn")

    olivia.board(customer=customer)
    expect(olivia.page.locator("#board .empty")).to_be_visible()
    expect(olivia.row("Test alert from staging")).to_have_count(0)
    olivia.board(customer=customer, state="withdrawn")
    expect(olivia.row("Test alert from staging")).to_be_visible()
    expect(olivia.row("Test alert from staging").locator(".chip")).to_have_text("Withdrawn")


def test_a_wrong_title_is_corrected_and_the_timeline_keeps_both(
    open_console: Console.Factory,
) -> None:
    customer = f"Fabrikam-{uuid.uuid4().hex[:6]}"
    olivia = open_console("olivia").sign_in(TOKENS["operator"])
    incident = post_incident(olivia.base, title="Paymnts dwn in EU", customer=customer)
    escalation_id = escalation_of(olivia.base, incident)
    olivia.open_escalation(escalation_id)

    form = olivia.expand("corrections")
    expect(form.locator("[name=title]")).to_have_value("Paymnts dwn in EU")
    expect(form.locator("[name='customer.id']")).to_have_value(customer)
    olivia.submit(
        "corrections",
        {"title": "Card payments down in the EU", "reason": "typed in a hurry"},
        expect_done="Details corrected",
    )
    expect(olivia.page.locator("h1")).to_have_text("Card payments down in the EU")
    timeline = olivia.page.locator("#timeline")
    expect(timeline).to_contain_text(
        "Corrected title “Paymnts dwn in EU” → “Card payments down in the EU”. "
        "Why: typed in a hurry"
    )
    _shoot(olivia, "console-corrected")

    # Nothing changed: said next to the form, nothing sent.
    olivia.submit("corrections", {"reason": "again"}, expect_done=None)
    expect(olivia.form("corrections").locator(".field-error")).to_contain_text("nothing changed")

    olivia.board(customer=customer)
    expect(olivia.row("Card payments down in the EU")).to_be_visible()
    expect(olivia.row("Paymnts dwn in EU")).to_have_count(0)

    # An auditor sees neither form.
    audrey = open_console("audrey").sign_in(TOKENS["auditor"]).open_escalation(escalation_id)
    expect(audrey.page.locator("h1")).to_have_text("Card payments down in the EU")
    expect(audrey.page.locator("#form-corrections, #form-withdrawal")).to_have_count(0)
