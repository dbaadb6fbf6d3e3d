"""The board as an escalation manager under pressure sees it: several
escalations in different states, the overdue ones marked, on a desktop and on
a phone. Saves the screenshots the README shows."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.console import TOKENS, Console, escalation_of, post_incident

SHOTS = Path(os.environ.get("EC_BROWSER_SHOTS", ".local/browser-shots"))


def _command(base: str, escalation: str, method: str, name: str, body: dict[str, Any]) -> None:
    answer = httpx.request(
        method,
        f"{base}/v1/escalations/{escalation}/{name}",
        json=body,
        headers={"Authorization": f"Bearer {TOKENS['operator']}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text


def _in(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


def _seed(base: str, tag: str) -> dict[str, str]:
    started: dict[str, str] = {}
    for customer, title in (
        ("Northwind", "Card payments failing in the EU"),
        ("Contoso", "Nightly settlement batch stuck"),
        ("Fabrikam", "Login latency above 8 s"),
        ("Tailspin", "Booking API returns 500 for 12% of calls"),
        ("Litware", "Mail relay dropping invoices"),
    ):
        incident = post_incident(base, title=title, customer=f"{customer} {tag}")
        started[customer] = escalation_of(base, incident)
    olivia = {"id": "olivia", "name": "Olivia Hart", "email": "olivia@example.com"}
    sam = {"id": "sam", "name": "Sam Reyes", "email": "sam@example.com"}
    for customer in ("Northwind", "Contoso", "Tailspin", "Litware"):
        manager = olivia if customer in ("Northwind", "Tailspin") else sam
        _command(base, started[customer], "PUT", "manager", {"manager": manager})
    action = {"title": "Fail over", "owner": "Ines", "due": _in(hours=3)}
    _command(
        base,
        started["Northwind"],
        "PUT",
        "plan",
        {
            "actions": [action],
            "customer_agreed": True,
            "override_reason": "agreed on the call",
            "reason": "first plan",
            "review_by": _in(hours=2),
        },
    )
    _command(base, started["Northwind"], "POST", "level", {"level": 3, "reason": "board attention"})
    _command(
        base,
        started["Contoso"],
        "POST",
        "progress",
        {"note": "rerun", "next_update_due": _in(seconds=10)},
    )
    _command(
        base,
        started["Tailspin"],
        "POST",
        "progress",
        {"note": "patched", "next_update_due": _in(minutes=25)},
    )
    _command(base, started["Tailspin"], "POST", "level", {"level": 2, "reason": "customer call"})
    _command(
        base,
        started["Litware"],
        "POST",
        "resolution",
        {
            "customer_confirmed": True,
            "override_reason": "confirmed on the phone",
            "monitoring_period": "PT48H",
        },
    )
    return started


def test_the_board_shows_what_needs_attention_first(open_console: Console.Factory) -> None:
    tag = uuid.uuid4().hex[:4]
    olivia = open_console("olivia", width=1280, height=640).sign_in(TOKENS["operator"])
    started = _seed(olivia.base, tag)
    olivia.board(q=tag)
    expect(olivia.page.locator("#board tr.row")).to_have_count(5)
    # Contoso's next update (due in 10 s) passes while the page is open: marked overdue.
    expect(olivia.row("Contoso").locator(".countdown")).to_contain_text("overdue")
    expect(olivia.page.locator("#board tr.row.overdue")).to_have_count(1)
    SHOTS.mkdir(parents=True, exist_ok=True)
    olivia.page.screenshot(path=str(SHOTS / "console-board.png"))

    olivia.board(q=tag, mine="1")
    expect(olivia.page.locator("#board tr.row")).to_have_count(2)
    olivia.board(q=tag, state="monitoring")
    expect(olivia.page.locator("#board tr.row")).to_have_count(1)

    phone = open_console("phone", width=390, height=844).sign_in(TOKENS["operator"])
    phone.board(q=tag)
    expect(phone.page.locator("#board tr.row")).to_have_count(5)
    phone.page.screenshot(path=str(SHOTS / "console-board-phone.png"))
    phone.open_escalation(started["Northwind"])
    phone.page.screenshot(path=str(SHOTS / "console-escalation-phone.png"))
