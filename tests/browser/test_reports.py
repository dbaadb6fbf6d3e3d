"""The reports page in a real browser. The embedded app runs in this process
(served in a thread) so its clock can be set: ten escalations are taken through
the process over six weeks at known moments, then an auditor picks a period and
a grouping, reads the table and the charts, and downloads the CSV."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from ec_embedded.app import create_app
from harness.threaded_http import ServedApp
from harness.waiting import GENEROUS_WAIT
from tests.browser.conftest import SHOTS
from tests.browser.console import OSCAR, TOKENS, Console
from tests.support.clocks import SettableClock

HOUR, WEEK = timedelta(hours=1), timedelta(weeks=1)
FAR = "2099-01-01T00:00:00Z"
MANAGER = {"id": "u-7", "name": "Dana Okafor", "email": "dana@provider.example"}


@dataclass(frozen=True)
class Story:
    """One escalation: when it started (week, hours into it) and how long each
    step took from the start (None: not yet)."""

    week: int
    hours: float
    customer: str
    manager_after: float
    resolved_after: float | None = None
    closed_after: float | None = None


STORIES = (
    Story(0, 9, "northwind", 0.25, 6, 10),
    Story(0, 33, "contoso", 0.75, 20, 30),
    Story(1, 10, "northwind", 0.5, 5, 9),
    Story(2, 9, "fabrikam", 1.5, 30, 48),
    Story(2, 34, "contoso", 0.5, 12),
    Story(2, 58, "northwind", 0.2),
    Story(3, 11, "fabrikam", 1, 9, 20),
    Story(4, 10, "contoso", 0.4, 8),
    Story(4, 38, "northwind", 0.6),
    Story(5, 12, "fabrikam", 0.7),
)
STARTED_PER_WEEK = [2, 1, 3, 1, 2, 1]
CLOSED_PER_WEEK = [2, 1, 1, 1, 0, 0]


def first_monday() -> datetime:
    """Six weeks before this week's Monday, so every story is in the past."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=today.weekday()) - 6 * WEEK


class Seeder:
    def __init__(self, base: str, clock: SettableClock) -> None:
        self.base, self.clock = base, clock

    def call(
        self, method: str, path: str, body: dict[str, Any] | None = None, status: int = 200
    ) -> Any:
        answer = httpx.request(
            method,
            f"{self.base}{path}",
            json=body,
            headers={"Authorization": f"Bearer {TOKENS['operator']}"},
            timeout=30,
        )
        assert answer.status_code == status, answer.text
        return answer.json()

    def state_becomes(self, escalation_id: str, state: str) -> None:
        deadline = time.monotonic() + GENEROUS_WAIT
        while self.call("GET", f"/v1/escalations/{escalation_id}")["state"] != state:
            assert time.monotonic() < deadline, f"{escalation_id} never became {state}"
            time.sleep(0.05)

    def tell(self, monday: datetime) -> None:
        """Every step of every story in time order, the clock set to each."""
        steps: list[tuple[datetime, int, str]] = []
        for number, story in enumerate(STORIES):
            start = monday + story.week * WEEK + story.hours * HOUR
            steps += [
                (start, number, "start"),
                (start + story.manager_after * HOUR, number, "manager"),
            ]
            if story.resolved_after is not None:
                steps.append((start + story.resolved_after * HOUR, number, "resolution"))
            if story.closed_after is not None:
                steps.append((start + story.closed_after * HOUR, number, "closure"))
        ids: dict[int, str] = {}
        for moment, number, step in sorted(steps):
            self.clock.now = moment
            self.take(step, number, ids)

    def take(self, step: str, number: int, ids: dict[int, str]) -> None:
        story = STORIES[number]
        if step == "start":
            body = {
                "reason": "the customer called",
                "title": f"{story.customer}: payments fail",
                "customer": {"id": story.customer, "name": story.customer.title(), "tier": "gold"},
                "service": "payments-eu",
            }
            ids[number] = self.call("POST", "/v1/escalations", body, status=201)["id"]
        elif step == "manager":
            self.call("PUT", f"/v1/escalations/{ids[number]}/manager", {"manager": MANAGER})
        elif step == "resolution":
            body = {
                "customer_confirmed": True,
                "override_reason": "confirmed on the phone",
                "monitoring_period": "PT1H",
            }
            self.call("POST", f"/v1/escalations/{ids[number]}/resolution", body)
        else:
            # The monitor passes the hour of monitoring once the clock is past it.
            self.state_becomes(ids[number], "monitoring_passed")
            body = {
                "customer_agreement": {"by": "Jo Meyer", "note": "agreed on the call"},
                "override_reason": "agreed on the phone",
            }
            self.call("POST", f"/v1/escalations/{ids[number]}/closure", body)


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Overrides the suite's embedded process with one whose clock the test
    sets, seeded with the stories; then the clock runs on from the real now."""
    folder = tmp_path_factory.mktemp("reports")
    tokens = [f"{role}:{token}" for role, token in TOKENS.items()] + [f"operator:{OSCAR}"]
    clock = SettableClock(first_monday())
    with pytest.MonkeyPatch.context() as env:
        env.setenv("EC_API_TOKENS", ",".join(tokens))
        env.setenv("EC_RAISE_AFTER", "[]")  # only the steps the stories take
        app = create_app(database_url=f"sqlite+aiosqlite:///{folder}/ec.db", clock=clock)
        server = ServedApp(app)
        server.start()
    try:
        Seeder(server.url, clock).tell(first_monday())
        clock.now = datetime.now(UTC)
        yield server.url
    finally:
        server.stop()


def weeks_shown(console: Console) -> list[str]:
    return console.page.locator("#report-counts tbody th").all_inner_texts()


def test_an_auditor_picks_a_period_and_reads_the_trend(open_console: Console.Factory) -> None:
    audrey = open_console("audrey", width=1400, height=1000).sign_in(TOKENS["auditor"])
    page = audrey.page

    page.get_by_role("link", name="Reports").click()
    expect(page.locator("h1")).to_have_text("Reports")
    page.get_by_role("link", name="Last 90 days").click()
    expect(page.locator("#report-counts tfoot td").first).to_have_text(str(len(STORIES)))

    monday = first_monday()
    page.fill("#report-from", monday.date().isoformat())
    page.fill("#report-to", (monday + 6 * WEEK - timedelta(days=1)).date().isoformat())
    page.select_option("#report-group_by", "week")
    page.get_by_role("button", name="Show").click()

    expect(page.locator("#report-counts tbody tr")).to_have_count(6)
    counts = page.locator("#report-counts tbody tr")
    assert [counts.nth(i).locator("td").nth(0).inner_text() for i in range(6)] == [
        str(n) for n in STARTED_PER_WEEK
    ]
    assert [counts.nth(i).locator("td").nth(1).inner_text() for i in range(6)] == [
        str(n) for n in CLOSED_PER_WEEK
    ]
    bars = page.locator("#chart-counts rect.bar")
    expect(bars).to_have_count(
        sum(1 for n in STARTED_PER_WEEK if n) + sum(1 for n in CLOSED_PER_WEEK if n)
    )
    expect(page.locator("#chart-counts svg title").first).to_have_text("Escalations per week")
    expect(page.locator("#chart-durations path.line")).to_have_count(3)
    expect(page.locator("#chart-durations svg")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "console-reports.png"), full_page=True)

    with page.expect_download() as downloading:
        page.locator("#report-csv").click()
    download = downloading.value
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text())))
    assert [r["started"] for r in rows] == [*map(str, STARTED_PER_WEEK), str(len(STORIES))]
    assert download.suggested_filename.startswith("escalations-week-")
    assert audrey.problems == []


def test_on_a_phone_the_charts_fit_the_screen(open_console: Console.Factory) -> None:
    phone = open_console("phone", width=390, height=844).sign_in(TOKENS["auditor"])
    phone.page.goto(f"{phone.base}/console/reports?group_by=week")

    for chart in ("#chart-counts", "#chart-durations"):
        box = phone.page.locator(f"{chart} svg").bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 390
    phone.page.screenshot(path=str(SHOTS / "console-reports-phone.png"), full_page=True)


def test_a_period_that_ends_before_it_begins_is_explained_on_the_page(
    open_console: Console.Factory,
) -> None:
    olivia = open_console("olivia").sign_in(TOKENS["operator"])
    page = olivia.page
    page.goto(f"{olivia.base}/console/reports")

    page.fill("#report-from", "2026-03-15")
    page.fill("#report-to", "2026-03-01")
    page.get_by_role("button", name="Show").click()

    expect(page.locator("[data-testid=report-problem]")).to_contain_text("from: must be before")
    expect(page.locator("#report-from").locator("xpath=..")).to_have_class("field invalid")
    expect(page.locator("#report-counts")).to_have_count(0)
    page.screenshot(path=str(SHOTS / "console-reports-problem.png"))
