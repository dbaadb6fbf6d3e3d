"""The mail people were sent about an escalation, read in the console as they
would read it (the embedded mode keeps email in the notifier's outbox)."""

from __future__ import annotations

import time
import uuid
from typing import Any

from playwright.sync_api import expect

from tests.browser.console import TOKENS, Console, api_get, escalation_of, later, post_incident
from tests.browser.test_escalation_walk import _shoot

NOTE = "Bridge open; <b>not bold</b> & the DBA is on it"


def _mails(base: str, escalation_id: str, *, wanted: str, wait_s: float = 60.0) -> Any:
    deadline = time.monotonic() + wait_s
    while True:
        found = api_get(base, "/v1/outbox", TOKENS["auditor"], escalation_id=escalation_id)
        if any(wanted in m["subject"] or m["event_type"] == wanted for m in found["items"]):
            return found["items"]
        assert time.monotonic() < deadline, f"no mail {wanted!r} for {escalation_id}"
        time.sleep(0.2)


def test_the_mails_of_an_escalation_show_on_its_page_as_text(
    open_console: Console.Factory,
) -> None:
    customer = f"Adatum-{uuid.uuid4().hex[:6]}"
    olivia = open_console("olivia").sign_in(TOKENS["operator"])
    incident = post_incident(olivia.base, title="Logins failing", customer=customer)
    escalation_id = escalation_of(olivia.base, incident)
    olivia.open_escalation(escalation_id)
    olivia.submit(
        "manager",
        {"manager.name": "Mia Manager", "manager.email": "mia@example.com", "manager.id": "mia"},
        expect_done="Manager assigned",
    )
    olivia.submit(
        "progress",
        {"note": NOTE, "next_update_due": later(hours=1)},
        expect_done="Progress reported",
    )
    mails = _mails(olivia.base, escalation_id, wanted="ProgressReported")
    progress = next(m for m in mails if m["event_type"] == "ProgressReported")

    olivia.open_escalation(escalation_id)
    section = olivia.page.locator("#mails")
    mail = section.locator(f"#mail-{progress['id']}")
    expect(mail.locator("summary")).to_contain_text("mia@example.com")
    expect(mail.locator("summary")).to_contain_text(progress["subject"])
    mail.locator("summary").click()
    # As the recipient reads it: the text, markup and all, never run as HTML.
    expect(mail.locator("pre.mail-body")).to_contain_text(NOTE)
    expect(mail.locator("pre.mail-body b")).to_have_count(0)
    mail.scroll_into_view_if_needed()
    _shoot(olivia, "console-mails")

    # The outbox page lists it too, filtered by the recipient, for an auditor as well.
    audrey = open_console("audrey").sign_in(TOKENS["auditor"])
    audrey.page.click("nav >> text=Mail outbox")
    audrey.page.fill("input[name=to]", "mia@example.com")
    audrey.page.click("form.filters button[type=submit]")
    listed = audrey.page.locator(f"#outbox #mail-{progress['id']}")
    expect(listed).to_be_visible()
    listed.locator("summary").click()
    expect(listed.locator("pre.mail-body")).to_contain_text(NOTE)
    expect(listed.locator("a", has_text="the escalation")).to_have_attribute(
        "href", f"/console/escalations/{escalation_id}"
    )
    _shoot(audrey, "console-outbox")
