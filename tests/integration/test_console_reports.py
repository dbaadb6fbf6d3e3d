"""The console's reports page through the embedded app (the console calling the
report API in-process with the user's token) on SQLite and real PostgreSQL:
escalations started by hand at known moments of an injected clock, then the
page's tables, its weekly charts, its CSV and its refusals."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from ec_embedded.app import create_app
from harness.apps import serving
from harness.factories import API_TOKENS, bearer
from harness.infra import DATABASES, database_of
from tests.support.clocks import SettableClock
from tests.support.console_http import sign_in, table_cells
from tests.support.escalation_http import command, start_by_hand
from tests.support.lifecycle import MANAGER

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
WEEK = timedelta(weeks=1)
PERIOD = {"from": "2026-02-23", "to": "2026-03-15"}  # three whole weeks, both days included
AUDITOR = next(t.split(":", 1)[1] for t in API_TOKENS.split(",") if t.startswith("auditor:"))


async def seed(client: httpx.AsyncClient, clock: SettableClock) -> None:
    """Two escalations a week apart, each given a manager; then the clock stops
    on Tuesday of the second week."""
    for customer, start, manager_after in (
        ("cust-a", MONDAY, HOUR / 2),
        ("cust-b", MONDAY + WEEK + HOUR, 2 * HOUR),
    ):
        clock.now = start
        started = await start_by_hand(
            client,
            title=f"{customer} cannot pay",
            customer={"id": customer, "name": customer, "tier": "gold"},
        )
        assert started.status_code == 201, started.text
        clock.now = start + manager_after
        assigned = await command(client, started.json()["id"], "manager", {"manager": MANAGER})
        assert assigned.status_code == 200, assigned.text
    clock.now = MONDAY + WEEK + 24 * HOUR


@pytest.fixture(params=DATABASES)
async def client(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    """The seeded escalations, and an auditor signed in to the console."""
    monkeypatch.setenv("EC_API_TOKENS", API_TOKENS)
    monkeypatch.setenv("EC_RAISE_AFTER", "[]")
    clock = SettableClock(MONDAY)
    async with (
        database_of(request.param, tmp_path) as url,
        serving(create_app(database_url=url, clock=clock)) as client,
    ):
        await seed(client, clock)
        await sign_in(client, AUDITOR)
        yield client


async def test_the_page_shows_counts_and_durations_per_group_with_totals(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/console/reports", params={**PERIOD, "group_by": "customer"})

    assert page.status_code == 200, page.text
    counts = table_cells(page.text, "report-counts")
    assert [row[:3] for row in counts] == [
        ["Customer", "Started", "Closed"],
        ["cust-a", "1", "0"],
        ["cust-b", "1", "0"],
        ["Total", "2", "0"],
    ]
    durations = table_cells(page.text, "report-durations")
    assert durations[0][2] == "To a manager"
    assert [row[2] for row in durations[1:]] == [
        "30m p90 30m max 30m",
        "2h 00m p90 2h 00m max 2h 00m",
        "1h 15m p90 2h 00m max 2h 00m",
    ]


async def test_the_charts_show_every_week_of_the_period(client: httpx.AsyncClient) -> None:
    page = await client.get("/console/reports", params={**PERIOD, "group_by": "customer"})

    html = page.text
    assert html.count('<svg viewBox="0 0 640 260" role="img"') == 2
    assert '<title id="chart-counts-title">Escalations per week</title>' in html
    bars = re.findall(r'<rect class="bar (s\d)"[^>]*><title>([^<]+)</title>', html)
    assert bars == [("s1", "Started, 2 Mar: 1"), ("s1", "Started, 9 Mar: 1")]
    weeks = [row[0] for row in table_cells(html, "chart-counts-table")]
    assert weeks == ["Week of", "23 Feb", "2 Mar", "9 Mar"]
    dots = re.findall(r'<circle class="dot s1"[^>]*><title>([^<]+)</title>', html)
    assert dots == ["To a manager, 2 Mar: 30m", "To a manager, 9 Mar: 2h 00m"]
    axis_titles = re.findall(r'<text class="axis-title"[^>]*>([^<]+)</text>', html)
    x_title = "week (by its Monday, UTC)"
    assert axis_titles == ["escalations", x_title, "median, minutes", x_title]


async def test_grouped_by_week_the_table_names_each_week(client: httpx.AsyncClient) -> None:
    page = await client.get("/console/reports", params={**PERIOD, "group_by": "week"})

    assert [row[:2] for row in table_cells(page.text, "report-counts")[1:]] == [
        ["Week of 23 Feb", "0"],
        ["Week of 2 Mar", "1"],
        ["Week of 9 Mar", "1"],
        ["Total", "2"],
    ]


async def test_the_csv_download_is_the_apis_csv_for_the_same_query(
    client: httpx.AsyncClient,
) -> None:
    download = await client.get("/console/reports.csv", params={**PERIOD, "group_by": "week"})
    direct = await client.get(
        "/v1/reports/escalations",
        params={
            "from": "2026-02-23T00:00:00Z",
            "to": "2026-03-16T00:00:00Z",
            "group_by": "week",
            "format": "csv",
        },
        headers=bearer("auditor"),
    )

    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert download.headers["content-disposition"] == (
        'attachment; filename="escalations-week-2026-02-23-2026-03-15.csv"'
    )
    assert download.text == direct.text
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [(r["week"], r["started"]) for r in rows] == [
        ("2026-02-23", "0"),
        ("2026-03-02", "1"),
        ("2026-03-09", "1"),
        ("total", "2"),
    ]


@pytest.mark.parametrize(
    ("params", "said"),
    [
        ({"from": "2026-03-15", "to": "2026-03-01"}, "from: must be before `to`"),
        ({"group_by": "weather"}, "group_by"),
        ({"from": "2026-02-30"}, "from"),
    ],
)
async def test_bad_parameters_show_the_apis_problem_on_the_page(
    client: httpx.AsyncClient, params: dict[str, str], said: str
) -> None:
    page = await client.get("/console/reports", params={**PERIOD, **params})
    download = await client.get("/console/reports.csv", params={**PERIOD, **params})

    for answer in (page, download):
        assert answer.status_code == 422
        assert answer.headers["content-type"].startswith("text/html")
        found = re.search(r'data-testid="report-problem">([^<]+)</p>', answer.text)
        assert found, answer.text
        assert said in found[1]


async def test_the_page_needs_a_session(tmp_path: Path) -> None:
    app = create_app(database_url=f"sqlite+aiosqlite:///{tmp_path}/ec.db")
    async with serving(app) as anonymous:
        page = await anonymous.get("/console/reports")

    assert page.status_code == 303
    assert page.headers["location"] == "/console/login"
