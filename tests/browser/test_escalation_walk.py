"""An escalation walked from the incident to the review, as people do it in the
console, with a second operator watching the same pages live."""

from __future__ import annotations

import os
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.console import OSCAR, TOKENS, Console, later, post_incident

DOCS_SHOTS = Path(os.environ.get("EC_BROWSER_SHOTS", ".local/browser-shots"))


@contextmanager
def _gone_hook() -> Iterator[str]:
    """A webhook receiver that answers 410 Gone: a delivery to it fails for good."""

    class Gone(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(410)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Gone)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


def _shoot(console: Console, name: str) -> None:
    DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
    console.page.screenshot(path=str(DOCS_SHOTS / f"{name}.png"))


def test_an_escalation_is_walked_from_incident_to_review_and_watched_live(
    open_console: Console.Factory,
) -> None:
    customer = f"Northwind-{uuid.uuid4().hex[:6]}"
    olivia = open_console("olivia").sign_in(TOKENS["operator"]).board(customer=customer)
    oscar = open_console("oscar").sign_in(OSCAR).board(customer=customer)

    # An incident arrives: both boards show its escalation without a reload.
    post_incident(olivia.base, title="Payments down in the EU", customer=customer)
    expect(olivia.row("Payments down in the EU")).to_be_visible()
    expect(oscar.row("Payments down in the EU")).to_be_visible()
    href = olivia.row("Payments down in the EU").locator("a").first.get_attribute("href") or ""
    escalation_id = href.rsplit("/", 1)[-1]

    olivia.open_escalation(escalation_id)
    oscar.open_escalation(escalation_id)
    expect(olivia.state()).to_have_text("Active")

    # The rules refuse, in words, next to the form: no resolution without a manager.
    olivia.submit(
        "resolution",
        {
            "customer_confirmed": True,
            "override_reason": "confirmed on the phone",
            "monitoring_period": "PT1S",
        },
        expect_done=None,
    )
    expect(olivia.form("resolution").locator(".refused")).to_contain_text("manager")

    olivia.submit(
        "manager",
        {
            "manager.name": "Olivia Hart",
            "manager.email": "olivia@example.com",
            "manager.id": "olivia",
        },
        expect_done="Manager assigned",
    )
    # Oscar sees it live, and is told his page is behind.
    expect(oscar.page.locator("[data-testid=manager]")).to_have_text("Olivia Hart")
    expect(oscar.page.locator("[data-testid=changed-meanwhile]")).to_contain_text("olivia")

    # A stale form is never applied silently.
    oscar.submit(
        "progress",
        {"note": "bridge call opened", "next_update_due": later(hours=1)},
        expect_done=None,
    )
    expect(oscar.form("progress").locator(".stale")).to_contain_text("Changed by olivia")
    oscar.page.reload()

    olivia.submit("links", {"kind": "problem", "ref": "PRB0042"}, expect_done="Record linked")
    olivia.submit(
        "team",
        {
            "members.0.name": "Ines Owner",
            "members.0.email": "ines@example.com",
            "members.0.role": "incident owner",
            "members.1.name": "Pete Problem",
            "members.1.email": "pete@example.com",
            "members.1.role": "problem owner",
        },
        expect_done="Team appointed",
    )
    olivia.submit(
        "contacts",
        {
            "provider.0.name": "Dana Director",
            "provider.0.email": "dana@example.com",
            "customer.0.name": "Carl Customer",
            "customer.0.email": "carl@northwind.example",
        },
        expect_done="Contacts set",
    )
    olivia.submit(
        "assessment",
        {
            "summary": "Card payments fail for EU customers since 09:12",
            "impact": "All EU checkout traffic",
            "risk": "Contract penalty after 4 hours",
            "affected_services": "payments-eu, checkout",
        },
        expect_done="Assessment recorded",
    )
    # Invalid input is shown next to its field.
    olivia.submit(
        "progress", {"note": "too late", "next_update_due": later(hours=-2)}, expect_done=None
    )
    expect(olivia.form("progress").locator(".field.invalid .field-error")).to_contain_text("future")
    olivia.page.reload()
    olivia.submit(
        "plan",
        {
            "actions.0.title": "Fail over to the standby gateway",
            "actions.0.owner": "Ines Owner",
            "actions.0.due": later(hours=2),
            "reason": "first plan",
            "review_by": later(hours=4),
        },
        expect_done="Plan revised",
    )
    olivia.submit(
        "plan",
        {
            "actions.0.owner": "Pete Problem",
            "actions.1.title": "Daily status to the customer",
            "actions.1.owner": "Olivia Hart",
            "actions.1.due": later(hours=20),
            "customer_agreed": True,
            "override_reason": "agreed on the call",
            "reason": "agreed on the 11:00 call",
            "review_by": later(hours=6),
        },
        expect_done="Plan revised",
    )
    plan = olivia.page.locator("#plan .plan.current")
    expect(plan).to_contain_text("customer agreed")
    expect(plan).to_contain_text("owner Ines Owner → Pete Problem")
    expect(plan).to_contain_text("added “Daily status to the customer”")

    olivia.submit("level", {"level": "2", "reason": "no fix in sight"}, expect_done="Level raised")
    olivia.submit(
        "progress",
        {"note": "gateway failed over; payments recovering", "next_update_due": later(hours=1)},
        expect_done="Progress reported",
    )
    expect(oscar.page.locator("#timeline")).to_contain_text("gateway failed over")
    expect(oscar.page.locator("[data-testid=level]")).to_have_text("Level 2")
    olivia.open_escalation(escalation_id)
    _shoot(olivia, "console-escalation")

    # Resolved: the monitoring period (1 s) passes by the monitor's timer, live.
    olivia.submit(
        "resolution",
        {
            "customer_confirmed": True,
            "override_reason": "confirmed on the phone",
            "monitoring_period": "PT1S",
        },
        expect_done="Monitoring started",
    )
    expect(olivia.state()).to_have_text("Monitoring passed")
    expect(oscar.state()).to_have_text("Monitoring passed")
    olivia.page.reload()
    olivia.submit(
        "closure",
        {
            "customer_agreement.by": "Carl Customer",
            "customer_agreement.note": "stable for a day",
            "override_reason": "agreed by phone before their page existed",
        },
        expect_done="Escalation closed",
    )
    expect(olivia.state()).to_have_text("Closed")
    olivia.submit(
        "review",
        {
            "findings": "The standby gateway was never tested under load",
            "problem_management_inputs.0.kind": "open_problem",
            "problem_management_inputs.0.description": "Load-test the standby gateway",
        },
        expect_done="Review recorded",
    )
    expect(olivia.state()).to_have_text("Reviewed")
    expect(olivia.page.locator("#outcome")).to_contain_text("never tested under load")
    expect(oscar.state()).to_have_text("Reviewed")
    assert re.search(r"reviewed: ", olivia.page.locator("#timeline").inner_text())
    assert olivia.problems == []
    assert oscar.problems == []


def test_an_operator_starts_one_by_hand_and_retries_a_failed_delivery(
    open_console: Console.Factory,
) -> None:
    customer = f"Manual-{uuid.uuid4().hex[:6]}"
    olivia = open_console("olivia").sign_in(TOKENS["operator"]).board(customer=customer)
    olivia.page.locator("details.start summary").click()
    form = olivia.page.locator("#form-start")
    form.locator("[name=reason]").fill("customer called the service desk twice")
    form.locator("[name=title]").fill("Invoices missing since Monday")
    form.locator("[name='customer.id']").fill(customer)
    form.locator("[name='customer.name']").fill(customer)
    form.locator("[name='customer.tier']").fill("silver")
    form.locator("button[type=submit]").click()
    expect(olivia.page.locator(".flash", has_text="Escalation started")).to_be_visible()
    expect(olivia.page.locator("h1")).to_have_text("Invoices missing since Monday")

    # Email goes to the outbox here, so a webhook that says it is gone (410)
    # makes the failed delivery to retry.
    olivia.submit(
        "manager",
        {"manager.name": "Olivia Hart", "manager.email": "olivia@example.com"},
        expect_done="Manager assigned",
    )
    with _gone_hook() as hook:
        olivia.submit(
            "contacts",
            {
                "provider.0.name": "Hook",
                "provider.0.email": "hook@example.com",
                "provider.0.channel": "webhook",
                "provider.0.address": hook,
            },
            expect_done="Contacts set",
        )
        olivia.submit(
            "progress",
            {"note": "looking into it", "next_update_due": later(hours=1)},
            expect_done="Progress reported",
        )
        expect(olivia.page.locator("#deliveries tr.delivery-failed").first).to_be_visible()
    retry = olivia.page.locator("#deliveries tr.delivery-failed button", has_text="Retry").first
    expect(retry).to_be_visible()
    retry.click()
    expect(olivia.page.locator(".flash", has_text="Delivery queued")).to_be_visible()
    assert olivia.problems == []
