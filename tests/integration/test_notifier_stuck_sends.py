"""A send that never ends, not even when cancelled (a library swallowing its
timeout), cannot hold its host's room for good: once its lease is over the
dispatcher gives its slot back, counts it, and the host's next delivery goes
out. The dispatcher runs on the real delivery log, on SQLite."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from ec_notifier.dispatcher import Dispatcher
from ec_notifier.domain.hosts import HostGates
from ec_notifier.domain.policy import CircuitPolicy
from ec_notifier.store.claims import Claimed, Claims, Outcome
from ec_platform.clock import utc_now
from ec_platform.http.metrics import Metrics
from ec_platform.tasks import Doorbell, keep_running
from harness.waiting import eventually
from tests.support.delivery_log import delivery_log, due_delivery, write_due

HOST = "http://127.0.0.1:9"


class StubbornReceiver:
    """The first send hangs and ignores every cancellation; the rest succeed."""

    def __init__(self) -> None:
        self.started: list[uuid.UUID] = []
        self.release = asyncio.Event()

    async def send(self, delivery: Claimed, now: datetime) -> Outcome:
        self.started.append(delivery.id)
        if len(self.started) == 1:
            while not self.release.is_set():
                with contextlib.suppress(asyncio.CancelledError):
                    await self.release.wait()
        return Outcome(True, host_ok=True)


@pytest.fixture
async def claims(tmp_path: Path) -> AsyncIterator[Claims]:
    url = f"sqlite+aiosqlite:///{tmp_path}/ec.db"
    async with delivery_log(url, lease=timedelta(seconds=3)) as log:
        yield log


async def two_due(claims: Claims) -> list[uuid.UUID]:
    now = utc_now()
    rows = [due_delivery(HOST, now - timedelta(seconds=1 - n / 10)) for n in range(2)]
    await write_due(claims, rows)
    return [row["id"] for row in rows]


async def test_a_send_that_ignores_its_timeout_gives_its_hosts_room_back(claims: Claims) -> None:
    # given a host that may have one send in flight, and a first send that never ends
    receiver = StubbornReceiver()
    metrics = Metrics()
    doorbell = Doorbell()
    dispatcher = Dispatcher(
        claims=claims,
        send=receiver.send,
        gates=HostGates(CircuitPolicy(), per_host=1),
        doorbell=doorbell,
        clock=utc_now,
        metrics=metrics,
        concurrency=4,
        poll_s=0.05,
        send_timeout_s=0.2,
    )
    first, second = await two_due(claims)
    loops = [
        asyncio.create_task(doorbell.serve_paced("dispatch", dispatcher.step)),
        asyncio.create_task(keep_running("outcomes", dispatcher.record_outcomes)),
    ]
    try:
        # when its lease runs out
        async def second_sent() -> bool:
            return second in receiver.started

        await eventually(second_sent)

        # then the host's next delivery went out, the stuck one was counted
        assert receiver.started == [first, second]
        assert dispatcher.view().sends_abandoned == 1
        counted = metrics.registry.get_sample_value(
            "ec_notifier_sends_abandoned_total", {"channel": "subscription"}
        )
        assert counted == 1
    finally:
        receiver.release.set()
        for loop in loops:
            loop.cancel()
        await asyncio.gather(*loops, return_exceptions=True)
        await dispatcher.stop()
