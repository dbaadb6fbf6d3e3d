"""The whole lifecycle through the four service processes on real Kafka and
PostgreSQL, told to people by email on a real SMTP server and to a subscriber
by signed webhooks."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.factories import bearer
from harness.notifier_receivers import HttpReceiver, SmtpSink, receivers
from harness.processes import ServiceProcess
from harness.waiting import eventually
from tests.e2e.conftest import SERVICES, cluster_env
from tests.support.lifecycle import Services, run_whole_lifecycle
from tests.support.notifier_lifecycle import check_what_was_told, notifier_env

pytestmark = pytest.mark.e2e
CUSTOMER_PAGES = "http://127.0.0.1:8005/customer"
LINK = re.compile(re.escape(CUSTOMER_PAGES) + r"/([\w-]+)")


@pytest.fixture
async def told(
    postgres_url: str, kafka_servers: str, topic_prefix: str, tmp_path: Path
) -> AsyncIterator[tuple[Services, SmtpSink, HttpReceiver]]:
    with receivers("ok") as (smtp, [http]):
        env = {
            **cluster_env(postgres_url, kafka_servers, topic_prefix),
            **notifier_env(smtp, tmp_path / "routing.yaml"),
        }
        escalation = ServiceProcess("ec_escalation", env=env, log_dir=tmp_path)
        # The notifier asks this escalation service for each customer's personal link.
        links = {
            "EC_NOTIFIER_ESCALATION_URL": escalation.url,
            "EC_CUSTOMER_PAGE_URL": CUSTOMER_PAGES,
        }
        processes = [
            escalation
            if name == "escalation"
            else ServiceProcess(f"ec_{name}", env={**env, **links}, log_dir=tmp_path)
            for name in SERVICES
        ]
        try:
            for process in processes:
                process.start()
            for process in processes:
                await process.wait_healthy()
            async with AsyncExitStack() as stack:
                clients = [
                    await stack.enter_async_context(httpx.AsyncClient(base_url=p.url, timeout=10))
                    for p in processes
                ]
                yield Services(*clients), smtp, http
        finally:
            for process in processes:
                process.stop()


async def test_the_whole_lifecycle_across_processes_tells_each_person_once_per_event(
    told: tuple[Services, SmtpSink, HttpReceiver],
) -> None:
    services, smtp, http = told
    subscribed = await services.notifier.post(
        "/v1/subscriptions", json={"url": f"{http.url}/ec"}, headers=bearer("admin")
    )
    assert subscribed.status_code == 201, subscribed.text

    life = await run_whole_lifecycle(services)

    events = (
        await services.escalation.get(
            f"/v1/escalations/{life.escalation_id}/events", headers=bearer("auditor")
        )
    ).json()["items"]

    async def settled() -> list[dict[str, Any]] | None:
        answer = await services.notifier.get(
            "/v1/deliveries",
            params={"escalation_id": life.escalation_id, "limit": 500},
            headers=bearer("operator"),
        )
        items: list[dict[str, Any]] = answer.json()["items"]
        done = {d["event_id"] for d in items} == {e["id"] for e in events}
        return items if done and all(d["status"] == "delivered" for d in items) else None

    await eventually(settled)
    check_what_was_told(smtp, http, subscribed.json()["secret"], events)

    # Each mail to the customer contact carried a personal link the escalation
    # service issued, whose token it honours from its PostgreSQL store.
    bodies = [m.message.get_body(("plain",)) for m in smtp.to("jo@customer.example")]
    tokens = [LINK.findall(b.get_content()) for b in bodies if b is not None]
    assert all(len(found) == 1 for found in tokens)
    page = await services.escalation.get(f"/v1/customer/{tokens[-1][0]}")
    assert page.status_code == 200, page.text
    assert page.json()["contact"]["email"] == "jo@customer.example"
