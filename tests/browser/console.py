"""People at the console, as the tests drive it: sign in, open pages, fill
forms; and the ITSM platform posting incidents."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import httpx
from playwright.sync_api import Locator, Page, expect

TOKENS = {
    "operator": "olivia:operator-secret",
    "auditor": "audrey:auditor-secret",
    "intake": "itsm:intake-secret",
    "admin": "root:admin-secret",
}
OSCAR = "oscar:second-operator-secret"


def later(**delta: float) -> str:
    """A datetime-local value (UTC, as the console's labels say)."""
    return (datetime.now(UTC) + timedelta(**delta)).strftime("%Y-%m-%dT%H:%M")


def post_incident(
    base: str,
    *,
    title: str,
    customer: str,
    priority: str = "P1",
    tier: str = "gold",
    number: str | None = None,
    platform_record: dict[str, str | None] | None = None,
) -> str:
    """Reported as ServiceNow would, under `number` (a fresh one by default)."""
    answer = httpx.post(
        f"{base}/v1/incidents",
        headers={"Authorization": f"Bearer {TOKENS['intake']}"},
        json={
            "source": "servicenow",
            "external_id": number or f"INC-{uuid.uuid4().hex[:10]}",
            "title": title,
            "priority": priority,
            "customer": {"id": customer, "name": customer, "tier": tier},
            "service": "payments-eu",
            "platform_record": platform_record,
        },
        timeout=30,
    )
    assert answer.status_code == 202, answer.text
    incident: str = answer.json()["id"]
    return incident


def api_get(base: str, path: str, token: str, **params: Any) -> Any:
    answer = httpx.get(
        f"{base}{path}", params=params, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


class Console:
    class Factory(Protocol):
        def __call__(self, name: str, *, width: int = ..., height: int = ...) -> Console: ...

    def __init__(self, page: Page, base: str, dialogs: list[str]) -> None:
        self.page = page
        self.base = base
        self.dialogs = dialogs
        # What the browser refused under the Content-Security-Policy, or failed to run.
        self.problems: list[str] = []
        page.on("console", lambda m: self._console(m.type, m.text))
        page.on("pageerror", lambda error: self.problems.append(str(error)))

    def _console(self, kind: str, text: str) -> None:
        if kind == "error" and "Failed to load resource" not in text:
            self.problems.append(text)

    def sign_in(self, token: str) -> Console:
        self.page.goto(f"{self.base}/console/login")
        self.page.fill("input[name=token]", token)
        self.page.click("form button[type=submit]")
        expect(self.page.locator("[data-testid=who]")).to_be_visible()
        return self

    def board(self, **filters: str) -> Console:
        query = "&".join(f"{k}={v}" for k, v in filters.items())
        self.page.goto(f"{self.base}/console/?{query}")
        expect(self.page.locator("#board")).to_be_visible()
        return self

    def row(self, text: str) -> Locator:
        return self.page.locator("#board tr.row", has_text=text)

    def open_escalation(self, escalation_id: str) -> Console:
        self.page.goto(f"{self.base}/console/escalations/{escalation_id}")
        expect(self.page.locator("#live")).to_be_visible()
        return self

    def form(self, name: str) -> Locator:
        return self.page.locator(f"#form-{name}")

    def expand(self, name: str) -> Locator:
        details = self.page.locator(f"#cmd-{name}")
        if details.get_attribute("open") is None:
            details.locator("summary").click()
        return self.form(name)

    def submit(self, name: str, fields: dict[str, str | bool], *, expect_done: str | None) -> None:
        form = self.expand(name)
        for field, value in fields.items():
            control = form.locator(f"[name='{field}']")
            if isinstance(value, bool):
                control.set_checked(value)
            elif control.evaluate("e => e.tagName") == "SELECT":
                control.select_option(value)
            else:
                control.fill(value)
        form.locator("button[type=submit]").click()
        if expect_done is not None:
            expect(self.page.locator(".flash", has_text=expect_done)).to_be_visible()

    def state(self) -> Locator:
        return self.page.locator("[data-testid=state]")


ConsoleFactory = Callable[..., Console]


def escalation_of(base: str, incident_id: str, *, wait_s: float = 60.0) -> str:
    """The escalation the incident started (the start is asynchronous: the
    incident crosses the bus first)."""
    deadline = time.monotonic() + wait_s
    while True:
        found = api_get(base, "/v1/escalations", TOKENS["operator"], incident_id=incident_id)
        if found["items"]:
            escalation: str = found["items"][0]["id"]
            return escalation
        assert time.monotonic() < deadline, f"incident {incident_id} started no escalation"
        time.sleep(0.1)


def decided(base: str, incident_id: str, *, wait_s: float = 60.0) -> list[dict[str, Any]]:
    """The escalation service's decisions on the incident, once it has made one."""
    deadline = time.monotonic() + wait_s
    while True:
        answer = httpx.get(
            f"{base}/v1/incidents/{incident_id}/decisions",
            headers={"Authorization": f"Bearer {TOKENS['auditor']}"},
            timeout=30,
        )
        if answer.status_code == 200 and answer.json()["items"]:
            items: list[dict[str, Any]] = answer.json()["items"]
            return items
        assert time.monotonic() < deadline, f"no decision on incident {incident_id}"
        time.sleep(0.1)
