"""Deliveries per second from the notifier, on its own process with real Kafka
and PostgreSQL, end to end (events published to Kafka, counted where they
arrive): to a local webhook receiver, and to a local SMTP server. Each
receiver's own ceiling is measured in the same run by a client that posts to
it (or sends mail to it) directly, with the notifier's per-host concurrency."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import httpx

from bench.http import Answer, LeanClient
from bench.load import closed
from bench.report import Figure
from ec_events import Envelope
from ec_events.base import Event
from ec_platform.bus import open_bus
from ec_platform.settings import PlatformSettings
from tests.support.factories import API_TOKENS, bearer
from tests.support.infra import fresh_database, fresh_topic_prefix
from tests.support.notifier import Story
from tests.support.notifier_receivers import HttpReceiver, SmtpSink, receivers
from tests.support.processes import ServiceProcess

WEBHOOK_EVENTS = 3_000
ESCALATIONS = 30
EMAILS_PER_ESCALATION = 50  # the manager's assignment and 49 updates
PER_HOST = 8  # the notifier's default EC_NOTIFIER_HOST_CONCURRENCY
CEILING_SECONDS = 3.0
# Only the escalation manager hears events, so each measure counts one channel.
ROUTING = """
audiences:
  team: {events: []}
  provider_contacts: {events: []}
  customer_contacts: {events: []}
  operations_log: {events: []}
"""


async def run(*, kafka: str) -> list[Figure]:
    with receivers("ok") as (smtp, [http]), tempfile.TemporaryDirectory() as folder:
        routing = Path(folder) / "routing.yaml"
        routing.write_text(ROUTING)
        async with _notifier(kafka, smtp, routing, Path(folder)) as (url, prefix):
            webhooks = await _webhook_rate(kafka, prefix, url, http)
            emails = await _email_rate(kafka, prefix, smtp)
        post_ceiling = await _post_ceiling(http)
        smtp_ceiling = await _smtp_ceiling(smtp)
    return [
        Figure(
            f"webhook deliveries/s ({WEBHOOK_EVENTS:,} events)",
            webhooks,
            "deliveries/s",
            f"receiver ceiling, direct POSTs x{PER_HOST}",
            post_ceiling,
            "",
        ),
        Figure(
            f"email deliveries/s ({ESCALATIONS * EMAILS_PER_ESCALATION:,} mails)",
            emails,
            "deliveries/s",
            f"SMTP ceiling, direct sends x{PER_HOST}",
            smtp_ceiling,
            "",
        ),
    ]


@contextlib.asynccontextmanager
async def _notifier(
    kafka: str, smtp: SmtpSink, routing: Path, logs: Path
) -> AsyncIterator[tuple[str, str]]:
    prefix = fresh_topic_prefix()
    async with fresh_database() as database_url:
        env = {
            "EC_DATABASE_URL": database_url,
            "EC_KAFKA_BOOTSTRAP_SERVERS": kafka,
            "EC_TOPIC_PREFIX": prefix,
            "EC_API_TOKENS": API_TOKENS,
            "EC_SMTP_URL": smtp.url,
            "EC_NOTIFIER_ROUTING_FILE": str(routing),
        }
        service = ServiceProcess("ec_notifier", env=env, log_dir=logs)
        service.start()
        try:
            await service.wait_healthy()
            yield service.url, prefix
        finally:
            service.stop()


async def _publish(kafka: str, prefix: str, events: Sequence[Event]) -> None:
    settings = PlatformSettings(kafka_bootstrap_servers=kafka, topic_prefix=prefix)
    async with open_bus(settings, client_id="bench-notifier") as bus:
        envelopes = [Envelope.wrap(e, id=uuid.uuid4(), source="/bench") for e in events]
        for start in range(0, len(envelopes), 1_000):
            chunk = envelopes[start : start + 1_000]
            await bus.publish(settings.topics.escalations, [e.to_binary() for e in chunk])


async def _arrival_rate(count: Callable[[], int], expected: int) -> float:
    """Deliveries per second from the first arrival to the last."""
    first: float | None = None
    deadline = time.monotonic() + 300
    while (seen := count()) < expected:
        if first is None and seen:
            first = time.perf_counter()
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {seen} of {expected} deliveries arrived")
        await asyncio.sleep(0.01)
    started = first or time.perf_counter()
    return expected / max(time.perf_counter() - started, 1e-3)


async def _webhook_rate(kafka: str, prefix: str, url: str, http: HttpReceiver) -> float:
    async with httpx.AsyncClient(base_url=url) as client:
        answer = await client.post(
            "/v1/subscriptions", json={"url": f"{http.url}/bench"}, headers=bearer("admin")
        )
        answer.raise_for_status()
    stories = [Story() for _ in range(ESCALATIONS)]
    events = [stories[n % ESCALATIONS].linked() for n in range(WEBHOOK_EVENTS)]
    publishing = asyncio.create_task(_publish(kafka, prefix, events))
    rate = await _arrival_rate(lambda: len(http.accepted("/bench")), WEBHOOK_EVENTS)
    await publishing
    async with httpx.AsyncClient(base_url=url) as client:
        subscription = answer.json()["id"]
        await client.delete(f"/v1/subscriptions/{subscription}", headers=bearer("admin"))
    return rate


async def _email_rate(kafka: str, prefix: str, smtp: SmtpSink) -> float:
    stories = [Story() for _ in range(ESCALATIONS)]
    events: list[Event] = [s.manager() for s in stories]
    events += [s.linked() for _ in range(EMAILS_PER_ESCALATION - 1) for s in stories]
    already = len(smtp.mails)
    publishing = asyncio.create_task(_publish(kafka, prefix, events))
    rate = await _arrival_rate(lambda: len(smtp.mails) - already, len(events))
    await publishing
    return rate


async def _post_ceiling(http: HttpReceiver) -> float:
    client = LeanClient(http.url, headers={}, connections=PER_HOST)
    body = b'{"specversion":"1.0","id":"x","type":"bench","source":"/bench","data":{}}'

    async def post(c: LeanClient, n: int) -> Answer:
        return await c.request("POST", "/ceiling", body)

    try:
        return (await closed(client, post, clients=PER_HOST, seconds=CEILING_SECONDS)).rate
    finally:
        await client.close()


async def _smtp_ceiling(smtp: SmtpSink) -> float:
    """Like the notifier: one connection per message."""
    deadline = time.perf_counter() + CEILING_SECONDS
    sent = 0

    async def sender() -> None:
        nonlocal sent
        while time.perf_counter() < deadline:
            message = EmailMessage()
            message["From"] = "bench@localhost"
            message["To"] = "ceiling@localhost"
            message["Subject"] = "ceiling"
            message.set_content("ceiling")
            await aiosmtplib.send(message, hostname="127.0.0.1", port=smtp.port, timeout=10)
            sent += 1

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(PER_HOST)))
    return sent / (time.perf_counter() - started)
