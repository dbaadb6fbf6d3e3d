"""An admin sees the subscriptions, a suspended one standing out with since
when, why and what it holds, and resumes it once its receiver is back; no
one else gets the page."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from harness.notifier_receivers import HttpReceiver
from tests.browser.conftest import running_embedded
from tests.browser.console import TOKENS, Console, api_get, post_incident
from tests.browser.test_escalation_walk import _shoot

# Quick retries that never run out, and a suspension soon after: the page is
# what is tested, not how soon it happens.
QUICK_SUSPENSION = {
    "EC_NOTIFIER_RETRY_BASE_S": "0.05",
    "EC_NOTIFIER_RETRY_MAX_S": "0.2",
    "EC_NOTIFIER_CIRCUIT_BASE_S": "0.2",
    "EC_NOTIFIER_CIRCUIT_MAX_S": "0.5",
    "EC_NOTIFIER_MAX_ATTEMPTS": "1000",
    "EC_NOTIFIER_SUSPEND_AFTER_S": "1",
}


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """This module's own embedded app, suspending soon."""
    with running_embedded(tmp_path_factory.mktemp("subscriptions"), **QUICK_SUSPENSION) as url:
        yield url


def _subscribe(base: str, url: str) -> dict[str, Any]:
    answer = httpx.post(
        f"{base}/v1/subscriptions",
        json={"url": url},
        headers={"Authorization": f"Bearer {TOKENS['admin']}"},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def _subscription(base: str, subscription_id: str) -> dict[str, Any]:
    found: dict[str, Any] = api_get(base, f"/v1/subscriptions/{subscription_id}", TOKENS["admin"])
    return found


def _until(base: str, subscription_id: str, status: str, *, wait_s: float = 60.0) -> None:
    deadline = time.monotonic() + wait_s
    while _subscription(base, subscription_id)["status"] != status:
        assert time.monotonic() < deadline, f"subscription {subscription_id} never {status}"
        time.sleep(0.2)


def test_an_admin_sees_a_suspended_subscription_and_resumes_it(
    open_console: Console.Factory,
) -> None:
    failing, healthy = HttpReceiver("fail"), HttpReceiver("ok")
    failing.start()
    healthy.start()
    try:
        base = open_console("probe").base
        gone = _subscribe(base, f"{failing.url}/hooks/escalations")
        fine = _subscribe(base, f"{healthy.url}/hooks/escalations")
        customer = f"Contoso-{uuid.uuid4().hex[:6]}"
        post_incident(base, title="Card payments declined", customer=customer)
        _until(base, gone["id"], "suspended")

        # The admin finds it from the navigation, standing out, with since when and why.
        root = open_console("root").sign_in(TOKENS["admin"])
        root.page.click("nav >> text=Subscriptions")
        suspended = root.page.locator(f"#subscription-{gone['id']}")
        expect(suspended).to_have_class("suspended")
        expect(suspended.locator("[data-testid=status]")).to_have_text("suspended")
        expect(suspended.locator("[data-testid=reason]")).to_contain_text("every delivery failed")
        expect(suspended.locator("[data-testid=reason]")).to_contain_text("HTTP 503")
        expect(suspended.locator("[data-testid=held]")).to_contain_text("deliver")
        active = root.page.locator(f"#subscription-{fine['id']}")
        expect(active.locator("[data-testid=status]")).to_have_text("active")
        expect(active.get_by_role("button", name="Resume")).to_have_count(0)
        expect(root.page.locator("[data-testid=suspended-count]")).to_contain_text("1 suspended")
        _shoot(root, "console-subscriptions")

        # A resume without the form's CSRF token is refused, and changes nothing.
        forged = root.page.request.post(
            f"{base}/console/subscriptions/{gone['id']}/resume",
            form={"csrf": "forged"},
            max_redirects=0,
        )
        assert forged.status == 403
        assert _subscription(base, gone["id"])["status"] == "suspended"

        # Once its receiver is back, Resume sends what it missed.
        failing.mode = "ok"
        suspended.get_by_role("button", name="Resume").click()
        expect(root.page.locator(".flash")).to_contain_text("Subscription resumed")
        expect(suspended.locator("[data-testid=status]")).to_have_text("active")
        expect(suspended.get_by_role("button", name="Resume")).to_have_count(0)
        deadline = time.monotonic() + 60
        while not failing.accepted():
            assert time.monotonic() < deadline, "nothing it missed arrived"
            time.sleep(0.2)
        assert root.problems == []
    finally:
        failing.stop()
        healthy.stop()


def test_only_an_admin_gets_the_subscriptions_page(open_console: Console.Factory) -> None:
    olivia = open_console("olivia").sign_in(TOKENS["operator"])
    expect(olivia.page.locator("nav >> text=Subscriptions")).to_have_count(0)

    answer = olivia.page.goto(f"{olivia.base}/console/subscriptions")

    assert answer is not None
    assert answer.status == 403
    expect(olivia.page.locator("p.error")).to_be_visible()
    expect(olivia.page.locator("#subscriptions")).to_have_count(0)
