"""The process metrics on /metrics, through the embedded app on SQLite and real
PostgreSQL: two escalations walked through the process at known moments of an
injected clock, then the counters, the histograms' counts and sums and the
open-escalation gauges as Prometheus would read them; and nothing counted
twice by a projection rebuild or a restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import delete

from ec_escalation.store.rebuild import rebuild
from harness.infra import DATABASES, database_of
from harness.waiting import eventually
from tests.support.clocks import SettableClock
from tests.support.metrics_text import Scrape, scrape
from tests.support.process_walk import (
    HOUR,
    MINUTE,
    T0,
    Setup,
    act,
    plan,
    two_escalations,
    walking_app,
)


@pytest.fixture(params=DATABASES)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with database_of(request.param, tmp_path) as url:
        yield url


@pytest.fixture
async def setup(database: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Setup]:
    async with walking_app(database, monkeypatch) as setup:
        yield setup


async def walked_with_a_missed_review(setup: Setup) -> tuple[str, str]:
    """The reports' two escalations (A reviewed, B open after a recurrence),
    then B's plan review missed: the monitor records it once the clock passes it."""
    a, b = await two_escalations(setup)
    review_soon = {**plan(agreed=False), "review_by": (T0 + 41 * HOUR).isoformat()}
    await act(setup, 40 * HOUR, b, "plan", review_soon)
    setup.clock.now = T0 + 42 * HOUR

    async def missed() -> Scrape | None:
        scraped = await scrape(setup.client)
        return scraped if scraped.value(MISSED, kind="plan_review") else None

    await eventually(missed)
    return a, b


MISSED = "ec_escalation_deadlines_missed_total"
DURATIONS = {  # count and sum of each histogram after the walk: A's and B's seconds
    "time_to_escalate": (1, 1800.0),
    "time_to_manager": (2, 600.0 + 1800.0),
    "time_to_team": (0, 0.0),
    "time_to_assessment": (1, 1200.0),
    "time_to_plan": (2, 3600.0 + 3600.0),
    "time_to_agreed_plan": (1, 3600.0),
    "time_to_resolution": (2, 10800.0 + 5400.0),
    "time_to_closure": (1, 21600.0),
    "closure_to_review": (1, 86400.0),
}


async def test_a_walk_through_the_process_shows_in_the_metrics(setup: Setup) -> None:
    await walked_with_a_missed_review(setup)

    scraped = await scrape(setup.client)

    assert scraped.value("ec_escalation_started_total", criteria="p1", level="1") == 1
    assert scraped.value("ec_escalation_started_total", criteria="none", level="1") == 1
    assert scraped.value("ec_escalation_closed_total", criteria="p1", level="2") == 1
    assert scraped.value("ec_escalation_level_raises_total", mode="manual") == 1
    assert scraped.value("ec_escalation_level_raises_total", mode="automatic") == 0
    assert scraped.value(MISSED, kind="plan_review") == 1
    assert scraped.value(MISSED, kind="progress_update") == 0
    assert scraped.value("ec_escalation_monitoring_passed_total") == 1
    assert scraped.value("ec_escalation_recurrences_total") == 1
    for measure, (count, total) in DURATIONS.items():
        name = f"ec_escalation_{measure}_seconds"
        assert (scraped.value(f"{name}_count"), scraped.value(f"{name}_sum")) == (count, total)
    # B, active again since its recurrence at 2h45 and still at level 1; A is reviewed.
    assert scraped.value("ec_escalation_open_escalations", state="active", level="1") == 1
    assert (
        scraped.value("ec_escalation_open_longest_in_state_seconds", state="active", level="1")
        == (42 * HOUR - 165 * MINUTE).total_seconds()
    )
    assert scraped.value("ec_escalation_open_escalations", state="monitoring", level="2") is None


async def test_a_rebuild_counts_nothing_again(setup: Setup) -> None:
    await walked_with_a_missed_review(setup)
    before = await scrape(setup.client)

    await rebuild(setup.context.escalations.store)

    after = await scrape(setup.client)
    assert after.named("ec_escalation_") == before.named("ec_escalation_")


async def test_a_restart_counts_from_zero_and_reads_the_open_escalations_again(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = SettableClock(T0)
    async with walking_app(database, monkeypatch, clock) as first:
        _, b = await walked_with_a_missed_review(first)

    async with walking_app(database, monkeypatch, clock) as second:
        restarted = await scrape(second.client)
        team = {"members": [{"id": "u-9", "name": "Lee", "email": "l@p.example", "role": "sme"}]}
        await act(second, 43 * HOUR, b, "team", team)
        after_a_command = await scrape(second.client)

    assert restarted.value("ec_escalation_started_total", criteria="p1", level="1") is None
    assert restarted.value("ec_escalation_time_to_manager_seconds_count") == 0
    assert restarted.value("ec_escalation_open_escalations", state="active", level="1") == 1
    assert after_a_command.value("ec_escalation_time_to_team_seconds_count") == 1
    assert after_a_command.value("ec_escalation_time_to_team_seconds_sum") == 42 * 3600.0
    assert after_a_command.value("ec_escalation_time_to_manager_seconds_count") == 0


async def test_an_escalation_the_measures_missed_counts_only_its_new_events(
    setup: Setup,
) -> None:
    """As after an upgrade that added the measures to a store without a rebuild:
    its start and its first steps happened before, only the team is news."""
    _, b = await two_escalations(setup)
    store = setup.context.escalations.store
    async with store.db.transaction() as conn:
        await conn.execute(delete(store.tables.measures))
    before = await scrape(setup.client)

    team = {"members": [{"id": "u-9", "name": "Lee", "email": "l@p.example", "role": "sme"}]}
    await act(setup, 41 * HOUR, b, "team", team)

    after = await scrape(setup.client)
    changed = {
        key: value
        for key, value in after.named("ec_escalation_").items()
        if before.named("ec_escalation_").get(key) != value
        and not key[0].startswith("ec_escalation_open")
    }
    team_sample = "ec_escalation_time_to_team_seconds"
    assert {name for name, _ in changed} <= {
        f"{team_sample}_count",
        f"{team_sample}_sum",
        f"{team_sample}_bucket",
    }
    assert after.value(f"{team_sample}_count") == 1
    assert after.value(f"{team_sample}_sum") == 40 * 3600.0
