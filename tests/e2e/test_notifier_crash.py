"""kill -9 of the notifier in the middle of a burst, on real Kafka and
PostgreSQL, against a real SMTP server and a webhook receiver: after a restart
every delivery has arrived, and none arrived twice unless the kill caught it
between the receiver's answer and the commit that records it (the crash
window, which no sender can close; the stable ids let receivers drop those)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from harness.factories import bearer
from harness.notifier import QUICK_ENV, Story, publish_to_kafka
from harness.notifier_receivers import HttpReceiver, SmtpSink, receivers
from harness.processes import ServiceProcess
from harness.waiting import eventually
from tests.e2e.conftest import cluster_env

pytestmark = pytest.mark.e2e
ESCALATIONS = 50
# per escalation: started (subscriber, log), manager (manager, subscriber, log),
# contacts (manager, subscriber, log), progress (manager, 2 contacts, subscriber, log)
ROWS = ESCALATIONS * 13
SENT = ESCALATIONS * 9  # all but the log lines


async def statuses(database_url: str) -> dict[str, tuple[str, str]]:
    """Every delivery's status and channel, read straight from the log."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT id, status, channel FROM notifier.deliveries"))
            return {str(row.id): (row.status, row.channel) for row in rows}
    finally:
        await engine.dispose()


def arrived(smtp: SmtpSink, http: HttpReceiver) -> Counter[str]:
    return smtp.delivery_ids() + http.delivery_ids()


@pytest.fixture
def sinks() -> Iterator[tuple[SmtpSink, HttpReceiver]]:
    with receivers("ok") as (smtp, [http]):
        yield smtp, http


async def test_a_notifier_killed_mid_burst_loses_nothing_and_sends_nothing_twice(
    postgres_url: str,
    kafka_servers: str,
    topic_prefix: str,
    tmp_path: Path,
    sinks: tuple[SmtpSink, HttpReceiver],
) -> None:
    smtp, http = sinks
    env = {
        **cluster_env(postgres_url, kafka_servers, topic_prefix),
        **QUICK_ENV,
        "EC_KAFKA_SESSION_TIMEOUT_MS": "2000",
        "EC_SMTP_URL": smtp.url,
    }
    first = ServiceProcess("ec_notifier", env=env, log_dir=tmp_path)
    first.start()
    try:
        await first.wait_healthy()
        async with httpx.AsyncClient(base_url=first.url) as client:
            created = await client.post(
                "/v1/subscriptions", json={"url": f"{http.url}/ec"}, headers=bearer("admin")
            )
            assert created.status_code == 201, created.text
        stories = [Story() for _ in range(ESCALATIONS)]
        burst = [e for s in stories for e in (s.started(), s.manager(), s.contacts(), s.progress())]

        await publish_to_kafka(kafka_servers, topic_prefix, burst)

        async def a_third_arrived() -> bool:
            return sum(arrived(smtp, http).values()) >= SENT // 3

        await eventually(a_third_arrived, interval=0.002)
        first.kill()
    finally:
        first.stop()
    at_kill = arrived(smtp, http)
    in_flight = {
        i for i, (status, _) in (await statuses(postgres_url)).items() if status == "sending"
    }
    assert sum(at_kill.values()) < SENT, "the kill came after the burst"

    second = ServiceProcess("ec_notifier", env=env, log_dir=tmp_path)
    second.start()
    try:
        await second.wait_healthy()
        started = time.monotonic()

        async def all_delivered() -> dict[str, tuple[str, str]] | None:
            found = await statuses(postgres_url)
            done = len(found) == ROWS and {s for s, _ in found.values()} == {"delivered"}
            return found if done else None

        final = await eventually(all_delivered, interval=0.2)
    finally:
        second.stop()

    received = arrived(smtp, http)
    assert set(received) == {i for i, (_, channel) in final.items() if channel != "log"}
    twice = {i for i, n in received.items() if n > 1}
    print(
        f"\nkilled with {sum(at_kill.values())} of {SENT} arrived and {len(in_flight)} in flight;"
        f" all {SENT} arrived {time.monotonic() - started:.1f} s after the restart;"
        f" {len(twice)} arrived twice, every one in flight at the kill (the crash window)"
    )
    assert twice <= in_flight, "a delivery not in flight at the kill was sent twice"
    assert max(received.values()) <= 2
