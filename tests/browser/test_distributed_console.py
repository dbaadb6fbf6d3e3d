"""The console as its own process (port 8005 in `make up`) in front of the four
services on real Kafka and PostgreSQL: it signs in through the escalation
service and reads the notifier and the monitor over HTTP."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import async_playwright, expect

from harness.factories import TOKENS, bearer, incident_body
from harness.processes import ServiceProcess
from tests.browser.conftest import CHROMIUM, WAIT_MS
from tests.e2e.conftest import cluster  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.kafka]


async def test_the_console_alone_drives_the_distributed_services(
    cluster: dict[str, ServiceProcess],  # noqa: F811 (the e2e fixture, imported)
    tmp_path: Path,
) -> None:
    env = {f"EC_CONSOLE_{name.upper()}_URL": service.url for name, service in cluster.items()}
    env["EC_CONSOLE_SESSION_SECRET"] = os.urandom(24).hex()
    console = ServiceProcess("ec_console", env=env, log_dir=tmp_path)
    console.start()
    try:
        await console.wait_healthy()
        body = incident_body()
        async with httpx.AsyncClient() as client:
            posted = await client.post(
                f"{cluster['intake'].url}/v1/incidents",
                json=body,
                headers=bearer("intake"),
                timeout=30,
            )
        assert posted.status_code == 202, posted.text

        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = await browser.new_page()
            page.set_default_timeout(WAIT_MS)
            await page.goto(f"{console.url}/console/login")
            await page.fill("input[name=token]", TOKENS["operator"])
            await page.click("form button[type=submit]")
            await page.goto(f"{console.url}/console/?customer={body['customer']['id']}")
            row = page.locator("#board tr.row", has_text=body["title"])
            await expect(row).to_be_visible(timeout=WAIT_MS)
            await row.locator("a").first.click()
            form = page.locator("#form-manager")
            await form.locator("[name='manager.name']").fill("Olivia Hart")
            await form.locator("[name='manager.email']").fill("olivia@example.com")
            await form.locator("button[type=submit]").click()
            await expect(page.locator(".flash", has_text="Manager assigned")).to_be_visible(
                timeout=WAIT_MS
            )
            # The notifier's deliveries and the monitor's timers, read over HTTP.
            await expect(page.locator("#deliveries")).to_contain_text(
                "EscalationManagerAssigned", timeout=WAIT_MS
            )
            await expect(page.locator("#timers")).to_contain_text("auto raise", timeout=WAIT_MS)
            await expect(page.locator("#mails")).to_be_visible()
            escalation_url = page.url
            # The incidents from the intake, each with the escalation service's decision.
            await page.goto(f"{console.url}/console/incidents?customer_id={body['customer']['id']}")
            incident = page.locator("#incidents tr.row", has_text=body["title"])
            await expect(incident.locator(".verdict a")).to_have_attribute(
                "href", escalation_url.removeprefix(console.url)
            )
            await incident.locator("a").first.click()
            await expect(page.locator("#history")).to_contain_text("IncidentReported")
            await expect(page.locator("#decision .rules tr").first).to_be_visible()
            # The reports page and its CSV, from the escalation service over HTTP.
            await page.get_by_role("link", name="Reports").click()
            customer = body["customer"]["id"]
            await expect(page.locator("#report-counts tbody tr", has_text=customer)).to_be_visible()
            await expect(page.locator("#chart-counts rect.bar").first).to_be_visible()
            async with page.expect_download() as downloading:
                await page.locator("#report-csv").click()
            download = await downloading.value
            saved = Path(await download.path())
            assert customer in await asyncio.to_thread(saved.read_text)

            # A customer contact's page on the console process: their act goes to
            # the escalation service and is recorded in its PostgreSQL store.
            escalation_id = escalation_url.rsplit("/", 1)[-1]
            token = await _customer_link(cluster["escalation"].url, escalation_id)
            customer_page = await browser.new_page()
            await customer_page.goto(f"{console.url}/customer/{token}")
            await customer_page.locator("form[data-act=agree_plan] button").click()
            await expect(customer_page.locator("[data-testid=done]")).to_be_visible()
            await browser.close()
        events = await _events(cluster["escalation"].url, escalation_id)
        assert events[-1]["type"] == "CustomerAgreedToPlan"
        assert events[-1]["actor"]["role"] == "customer"
    finally:
        console.stop()


async def _customer_link(escalation: str, escalation_id: str) -> str:
    """A customer contact and a plan for them to agree to, and their link."""
    jo = {"name": "Jo Meyer", "email": "jo@customer.example"}
    due = (datetime.now(UTC) + timedelta(hours=4)).isoformat()
    plan = {"actions": [{"title": "Fail over", "owner": "Lee", "due": due}], "reason": "first"}
    async with httpx.AsyncClient(base_url=escalation, headers=bearer("operator")) as client:
        url = f"/v1/escalations/{escalation_id}"
        for method, suffix, body in (
            ("PUT", "contacts", {"customer": [jo]}),
            ("PUT", "plan", {**plan, "review_by": due}),
        ):
            answer = await client.request(method, f"{url}/{suffix}", json=body, timeout=30)
            assert answer.status_code == 200, answer.text
        issued = await client.post(f"{url}/customer-links", json={"email": jo["email"]})
        assert issued.status_code == 201, issued.text
        token: str = issued.json()["token"]
        return token


async def _events(escalation: str, escalation_id: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=escalation, headers=bearer("operator")) as client:
        answer = await client.get(f"/v1/escalations/{escalation_id}/events", timeout=30)
    items: list[dict[str, Any]] = answer.json()["items"]
    return items
