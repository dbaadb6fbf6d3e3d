"""Claims are fair across receiving hosts, on SQLite and real PostgreSQL: a
dead receiver's backlog of thousands, all older than anything else, costs the
mail and a healthy receiver behind it nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from ec_notifier.store.claims import Claims
from harness.infra import DATABASES, database_of
from harness.notifier import NOW
from tests.support.delivery_log import delivery_log, due_delivery, write_due

DEAD = "http://127.0.0.1:9"
HEALTHY = "http://127.0.0.1:8080"
BACKLOG = 3_000


@pytest.fixture(params=DATABASES)
async def log(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Claims]:
    async with (
        database_of(request.param, tmp_path) as url,
        delivery_log(url, lease=timedelta(seconds=30)) as claims,
    ):
        yield claims


async def due(claims: Claims, host: str, count: int, *, since: timedelta) -> None:
    """`count` deliveries to `host`, due from `since` before NOW on."""
    first = NOW - since
    rows = [due_delivery(host, first + timedelta(milliseconds=n)) for n in range(count)]
    await write_due(claims, rows)


async def test_a_dead_receivers_backlog_holds_up_no_other_host(log: Claims) -> None:
    # given thousands of deliveries to a dead receiver, all due for an hour,
    # and one mail and one healthy receiver's delivery due just now
    await due(log, DEAD, BACKLOG, since=timedelta(hours=1))
    await due(log, "smtp", 1, since=timedelta(seconds=1))
    await due(log, HEALTHY, 1, since=timedelta(seconds=1))

    # when a dispatcher claims room for ten, four at most per host
    claimed = await log.claim(NOW, limit=10, closed_hosts=[], capacity=lambda host: 4, per_host=4)

    # then every host with due work gets its turn, the dead one no more than its share
    assert Counter(c.host for c in claimed) == {DEAD: 4, "smtp": 1, HEALTHY: 1}


async def test_each_host_gets_its_first_turn_before_any_host_its_second(log: Claims) -> None:
    # given three hosts with a deep backlog each, the oldest all for the first
    for n, host in enumerate((DEAD, HEALTHY, "smtp")):
        await due(log, host, 50, since=timedelta(minutes=30 - n))

    # when there is room for six only
    claimed = await log.claim(NOW, limit=6, closed_hosts=[], capacity=lambda host: 16, per_host=16)

    # then each host has two
    assert Counter(c.host for c in claimed) == {DEAD: 2, HEALTHY: 2, "smtp": 2}


async def test_a_closed_host_is_not_offered_and_a_claimed_row_not_claimed_again(
    log: Claims,
) -> None:
    await due(log, DEAD, 20, since=timedelta(hours=1))
    await due(log, HEALTHY, 3, since=timedelta(seconds=1))

    first = await log.claim(NOW, limit=10, closed_hosts=[DEAD], capacity=lambda h: 8, per_host=8)
    second = await log.claim(NOW, limit=10, closed_hosts=[DEAD], capacity=lambda h: 8, per_host=8)

    assert Counter(c.host for c in first) == {HEALTHY: 3}
    assert second == []
