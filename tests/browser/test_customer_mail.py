"""The customer's page reached from their mail, in a real browser: the embedded
mode sends mail to a real SMTP server here, and each customer's link ends
their escalation's page once it is withdrawn or closed
(EC_CUSTOMER_LINK_DAYS_AFTER_END=0), so an expired link is one withdrawal away.
A customer opens the link in their mail and agrees to plan version 2; expired,
revoked, tampered and unknown links all get one refusal, from which the
customer asks for a new link by mail and opens it."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from harness.notifier_receivers import SmtpSink
from tests.browser.conftest import WAIT_MS, running_embedded
from tests.browser.console import TOKENS, Console
from tests.browser.test_customer_page import (
    JO,
    answer_on,
    link_for,
    operator,
    ready_with_two_plans,
)
from tests.browser.test_escalation_walk import _shoot

LINK = re.compile(r"http://[\w.:]+/customer/[\w-]+")


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory, smtp: SmtpSink) -> Iterator[str]:
    """This module's own embedded process: mail to the SMTP server, links that
    end with their escalation."""
    env = {
        # No EC_CUSTOMER_PAGE_URL: links follow the port the process listens on.
        "EC_SMTP_URL": smtp.url,
        "EC_CUSTOMER_LINK_DAYS_AFTER_END": "0",
    }
    with running_embedded(tmp_path_factory.mktemp("customer-mail"), **env) as url:
        yield url


def links_mailed(smtp: SmtpSink, escalation_id: str, subject: str) -> list[str]:
    """The links in the mails to Jo about that escalation whose subject starts so,
    oldest first; waits generously for the first."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while True:
        found = []
        for mail in smtp.to(JO["email"]):
            body = mail.message.get_body(("plain",))
            text = body.get_content() if body is not None else ""
            if escalation_id in text and str(mail.message["Subject"]).startswith(subject):
                found += LINK.findall(text)
        if found or time.monotonic() > deadline:
            assert found, f"no mail {subject!r} to {JO['email']} about {escalation_id}"
            return found
        time.sleep(0.2)


def test_a_customer_opens_the_link_in_their_mail_and_agrees_to_plan_version_2(
    open_console: Console.Factory, smtp: SmtpSink
) -> None:
    olivia = open_console("olivia").sign_in(TOKENS["operator"])
    escalation_id = ready_with_two_plans(olivia.base)
    [link] = links_mailed(smtp, escalation_id, "Progress update")
    jo = open_console("jo", width=900, height=1100)

    jo.page.goto(link)
    expect(jo.page.locator("#plan h2")).to_have_text("Action plan, version 2")
    answer_on(jo.page, "agree_plan", "Agreed, from the link in your mail.")

    olivia.open_escalation(escalation_id)
    expect(olivia.page.locator("#timeline")).to_contain_text(
        "customer Jo Meyer <jo@customer.example> agreed to plan version 2"
    )
    expect(olivia.page.locator("#plan .plan.current")).to_contain_text("customer agreed")


def test_expired_revoked_tampered_and_unknown_links_get_one_refusal_and_a_new_link_by_mail(
    open_console: Console.Factory, smtp: SmtpSink
) -> None:
    olivia = open_console("olivia").sign_in(TOKENS["operator"])
    # An expired link: its escalation withdrawn (links end with it here).
    withdrawn = ready_with_two_plans(olivia.base)
    expired = link_for(olivia.base, withdrawn)
    answer = operator(
        olivia.base, "POST", f"/v1/escalations/{withdrawn}/withdrawal", {"reason": "a mistake"}
    )
    assert answer.status_code == 200, answer.text
    # A revoked link, with every other link of Jo's; a tampered one.
    escalation_id = ready_with_two_plans(olivia.base)
    revoked = link_for(olivia.base, escalation_id)
    revocation = f"/v1/escalations/{escalation_id}/customer-links/revocation"
    assert operator(olivia.base, "POST", revocation, {"email": JO["email"]}).status_code == 200
    fresh = link_for(olivia.base, escalation_id)
    tampered = fresh[:-1] + ("A" if fresh[-1] != "A" else "B")
    jo = open_console("jo", width=900, height=700)

    said = []
    for link in (expired, revoked, tampered, f"{olivia.base}/customer/no-such-link"):
        jo.page.goto(link)
        said.append(jo.page.locator("body").inner_text())
    assert len(set(said)) == 1
    assert "This link does not open a page" in said[0]

    # From the revoked link's refusal, Jo asks for a new link by mail.
    jo.page.goto(revoked)
    _shoot(jo, "customer-refused")
    jo.page.locator("form[data-act=ask_link] button[type=submit]").click()
    expect(jo.page.locator("[data-testid=refusal]")).to_contain_text("on its way to you by mail")
    [new_link] = links_mailed(smtp, escalation_id, "Your new link")
    assert new_link not in (revoked, fresh)
    jo.page.goto(new_link)
    expect(jo.page.locator("#plan h2")).to_have_text("Action plan, version 2")

    olivia.open_escalation(escalation_id)
    expect(olivia.page.locator("#timeline")).to_contain_text(
        "customer Jo Meyer <jo@customer.example> asked for a new link"
    )
