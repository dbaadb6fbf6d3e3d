"""Receivers that fail: a hanging one holds up no healthy one and is backed off,
a dead one's deliveries end `failed` and go out on retry once it is back, and
two replicas on one database never send a delivery twice."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import asyncpg
import pytest

from harness.factories import bearer
from harness.infra import asyncpg_dsn
from harness.notifier import Notifier, Story, running_notifier
from harness.notifier_receivers import receivers
from harness.waiting import eventually

pytestmark = pytest.mark.postgres


async def test_a_hanging_receiver_holds_up_no_healthy_one(postgres_url: str) -> None:
    events = 30
    with receivers("hang", "ok") as (_, [hanging, healthy]):
        # The hanging host's requests stay open for the whole test, so the
        # healthy receiver can only get everything if nothing waits on them.
        async with running_notifier(
            postgres_url,
            notifier_host_concurrency=2,
            notifier_timeout_s=300,
            notifier_lease_s=310,
        ) as notifier:
            await notifier.subscribe(f"{hanging.url}/hook")
            await notifier.subscribe(f"{healthy.url}/hook")
            story = Story()

            await notifier.publish(
                story.started(), *[story.progress(f"{n}") for n in range(events - 1)]
            )

            async def hanging_held() -> bool:
                return len(hanging.requests) > 0

            async def all_arrived() -> bool:
                return len(healthy.accepted()) == events

            await eventually(hanging_held)
            await eventually(all_arrived)

            still_open = hanging.requests
            assert len(still_open) <= 2, "at most the host's limit is in flight"
            assert {r.status for r in still_open} == {0}, "none of them has been answered"


async def test_a_hanging_receiver_is_left_alone_once_its_circuit_opens(
    postgres_url: str,
) -> None:
    events = 30
    with receivers("hang") as (_, [hanging]):
        # Two timeouts open the circuit, for longer than the test lasts.
        async with running_notifier(
            postgres_url,
            notifier_host_concurrency=2,
            notifier_circuit_failures=2,
            notifier_circuit_base_s=300,
            notifier_circuit_max_s=300,
        ) as notifier:
            await notifier.subscribe(f"{hanging.url}/hook")
            story = Story()

            await notifier.publish(
                story.started(), *[story.progress(f"{n}") for n in range(events - 1)]
            )

            async def circuit_opened() -> bool:
                attempted = await notifier.deliveries(status="pending")
                return sum(d["attempts"] > 0 for d in attempted) >= 2

            await eventually(circuit_opened)
            await asyncio.sleep(2)  # past another request timeout, were one sent

            # the two in flight (and at most two more racing the circuit), no more
            assert len(hanging.requests) <= 4
            waiting = await notifier.deliveries(status="pending")
            assert len(waiting) == events


async def test_a_dead_receivers_deliveries_fail_and_go_out_on_retry_once_it_is_back(
    postgres_url: str,
) -> None:
    with receivers("fail") as (_, [dead]):
        async with running_notifier(
            postgres_url, notifier_max_attempts=3, notifier_circuit_failures=100
        ) as notifier:
            await notifier.subscribe(f"{dead.url}/hook")
            story = Story()
            await notifier.publish(story.started(), story.linked())

            async def failed() -> list[dict[str, object]] | None:
                items = await notifier.deliveries(status="failed")
                return items if len(items) == 2 else None

            given_up = await eventually(failed)
            assert {d["attempts"] for d in given_up} == {3}
            assert all("HTTP 503" in str(d["last_error"]) for d in given_up)
            assert len(dead.requests) == 6  # three attempts each, then silence
            await asyncio.sleep(0.5)
            assert len(dead.requests) == 6

            dead.mode = "ok"
            for delivery in given_up:
                retried = await notifier.client.post(
                    f"/v1/deliveries/{delivery['id']}/retry", headers=bearer("operator")
                )
                assert retried.status_code == 202, retried.text
                assert retried.json()["status"] in ("pending", "sending", "delivered")

            async def delivered() -> list[dict[str, object]] | None:
                items = await notifier.deliveries(status="delivered")
                return items if len(items) == 2 + 2 else None  # and the two log lines

            await eventually(delivered)
            assert sorted(dead.delivery_ids().values()) == [1, 1]
            assert set(dead.delivery_ids()) == {str(d["id"]) for d in given_up}


async def test_two_replicas_on_one_database_never_send_a_delivery_twice(
    postgres_url: str,
) -> None:
    events = 120
    with receivers("ok") as (_, [receiver]):
        async with AsyncExitStack() as stack:
            first = await stack.enter_async_context(running_notifier(postgres_url))
            second = await stack.enter_async_context(running_notifier(postgres_url))
            await first.subscribe(f"{receiver.url}/hook")
            stories = [Story() for _ in range(events // 2)]

            for story in stories:
                # each replica consumes its own share, as a consumer group would give it
                await first.publish(story.started())
                await second.publish(story.linked())
            await first.settled(count=events * 2)

            arrived = receiver.delivery_ids()
            assert len(arrived) == events
            assert set(arrived.values()) == {1}
            # Which replica claims which delivery is a race (one may win them
            # all); what must hold is that together they sent each one once.
            assert await sent_by(first) + await sent_by(second) == events


async def sent_by(notifier: Notifier) -> float:
    metrics = await notifier.client.get("/metrics", headers=bearer("auditor"))
    wanted = 'ec_notifier_attempts_total{channel="subscription",outcome="delivered"}'
    lines = [line for line in metrics.text.splitlines() if line.startswith(wanted)]
    return float(lines[0].split()[-1]) if lines else 0.0


async def test_a_stopping_notifier_gives_back_what_it_claimed_and_had_not_started(
    postgres_url: str,
) -> None:
    events = 4
    with receivers("hang") as (_, [hanging]):
        # given a host that may have one delivery in flight, which hangs, and
        # a notifier that claims ahead of its sends
        async with running_notifier(
            postgres_url, notifier_host_concurrency=1, notifier_timeout_s=300, notifier_lease_s=310
        ) as notifier:
            await notifier.subscribe(f"{hanging.url}/hook")
            story = Story()
            await notifier.publish(
                story.started(), *[story.progress(f"{n}") for n in range(events - 1)]
            )

            async def claimed_ahead() -> bool:
                sending = await notifier.deliveries(status="sending")
                to_subscriber = [d for d in sending if d["channel"] == "subscription"]
                return len(hanging.requests) == 1 and len(to_subscriber) == 2

            await eventually(claimed_ahead)
        # when it stops

    # then the hanging send stays claimed until its lease runs out, and the
    # one claimed behind it is pending again, its attempt not counted
    connection = await asyncpg.connect(asyncpg_dsn(postgres_url))
    try:
        rows = await connection.fetch(
            "SELECT status, attempts FROM notifier.deliveries WHERE channel = 'subscription'"
        )
    finally:
        await connection.close()
    assert sorted((r["status"], r["attempts"]) for r in rows) == [
        *[("pending", 0)] * (events - 1),
        ("sending", 1),
    ]
