"""What an auditor gets (everything to read, nothing to change), and what no
one gets: scripts from incident titles, forms without their CSRF token, a
session that outlives its logout."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from playwright.sync_api import expect

from tests.browser.console import TOKENS, Console, escalation_of, later, post_incident

SCRIPTED = "<script>alert(1)</script>"
IMAGE = '<img src=x onerror="alert(2)">'


def test_an_auditor_reads_verifies_and_exports_but_finds_no_forms(
    open_console: Console.Factory,
) -> None:
    customer = f"Audited-{uuid.uuid4().hex[:6]}"
    # Typed to the second, a moment means the end of that second: one earlier.
    before = datetime.now(UTC) - timedelta(seconds=1)
    audrey = open_console("audrey").sign_in(TOKENS["auditor"]).board(customer=customer)
    incident = post_incident(audrey.base, title="Ledger out of balance", customer=customer)
    expect(audrey.row("Ledger out of balance")).to_be_visible()
    escalation_id = escalation_of(audrey.base, incident)

    audrey.open_escalation(escalation_id)
    expect(audrey.page.locator("#timeline")).to_contain_text("started")
    expect(audrey.page.locator("form[id^=form-]")).to_have_count(0)
    expect(audrey.page.locator("#actions details.command")).to_have_count(0)
    audrey.board(customer=customer)
    expect(audrey.page.locator("#form-start")).to_have_count(0)

    # The escalation as it was: a moment before it started, there was none.
    audrey.page.goto(
        f"{audrey.base}/console/escalations/{escalation_id}?as_of={before:%Y-%m-%dT%H:%M:%S}"
    )
    expect(audrey.page.locator("p.error")).to_contain_text("no escalation")
    audrey.page.goto(
        f"{audrey.base}/console/escalations/{escalation_id}"
        f"?as_of={datetime.now(UTC):%Y-%m-%dT%H:%M:%S}"
    )
    expect(audrey.page.locator(".as-of-banner")).to_contain_text("As it was")

    audrey.page.goto(f"{audrey.base}/console/audit")
    audrey.page.get_by_role("button", name="Verify the chain").click()
    expect(audrey.page.locator("[data-testid=verify-result]")).to_contain_text("Intact")

    with audrey.page.expect_download() as download:
        audrey.page.get_by_role("link", name="Download the history (NDJSON)").click()
    lines = download.value.path().read_text().splitlines()
    assert any(escalation_id in line for line in lines)


def test_script_in_titles_shows_as_text_and_never_runs(open_console: Console.Factory) -> None:
    customer = f"Scripted-{uuid.uuid4().hex[:6]}"
    olivia = open_console("olivia").sign_in(TOKENS["operator"]).board(customer=customer)
    first = post_incident(olivia.base, title=f"Checkout {SCRIPTED}", customer=customer)
    post_incident(olivia.base, title=f"Search {IMAGE}", customer=customer)

    expect(olivia.row("Checkout")).to_contain_text(SCRIPTED)
    expect(olivia.row("Search")).to_contain_text(IMAGE)
    olivia.open_escalation(escalation_of(olivia.base, first))
    expect(olivia.page.locator("h1")).to_have_text(f"Checkout {SCRIPTED}")
    olivia.submit(
        "progress",
        {"note": f"still failing {IMAGE}", "next_update_due": later(hours=3)},
        expect_done="Progress reported",
    )
    expect(olivia.page.locator("#timeline")).to_contain_text(IMAGE)
    assert olivia.page.locator("#live img").count() == 0
    assert olivia.dialogs == []


def test_sessions_cookies_and_forms_are_protected(open_console: Console.Factory) -> None:
    olivia = open_console("olivia").sign_in(TOKENS["operator"]).board()
    cookie = next(c for c in olivia.page.context.cookies() if c["name"] == "ec_console_session")
    assert cookie["httpOnly"]
    assert cookie["sameSite"] in ("Lax", "Strict")
    assert TOKENS["operator"] not in olivia.page.content()

    page = olivia.page.goto(f"{olivia.base}/console/")
    assert page is not None
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy

    jar = {"ec_console_session": cookie["value"]}
    with httpx.Client(base_url=olivia.base, cookies=jar, timeout=30) as client:
        # A form posted without its CSRF token (as another site would) is refused.
        forged = client.post(
            "/console/escalations",
            data={"reason": "forged", "incident_ids": ""},
        )
        assert forged.status_code == 403
        assert client.get("/console/").status_code == 200

    # Logout ends the session on the server: the same cookie, replayed, is refused.
    olivia.page.get_by_role("button", name="Sign out").click()
    expect(olivia.page.get_by_role("heading", name="Sign in")).to_be_visible()
    with httpx.Client(base_url=olivia.base, cookies=jar, timeout=30) as client:
        replayed = client.get("/console/", follow_redirects=False)
        assert replayed.status_code == 303
        assert replayed.headers["location"].endswith("/console/login")


def test_tokens_without_a_console_role_or_unknown_are_refused(
    open_console: Console.Factory,
) -> None:
    someone = open_console("someone")
    for token, words in ((TOKENS["intake"], "cannot use the console"), ("nope", "not known")):
        someone.page.goto(f"{someone.base}/console/login")
        someone.page.fill("input[name=token]", token)
        someone.page.click("form button[type=submit]")
        expect(someone.page.locator("p.error")).to_contain_text(words)
