"""Deliveries per second from the notifier, on its own process with real Kafka
and PostgreSQL, end to end (events published to Kafka, counted where they
arrive): to a local webhook receiver, and to a local SMTP server. Each
receiver's own ceiling is measured in the same run by a client that posts to
it (or sends mail to it) directly, with the notifier's per-host concurrency.

Head-of-line blocking: the healthy receiver's webhook deliveries per second
alone, and beside a dead subscriber's backlog already due (a subscription
whose URL is a 127.0.0.1 port nobody listens on, so every attempt is a
refused connection), each on a notifier of its own (fresh database and topic
prefix), the same events published the same way."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import asyncpg
import httpx

from bench.http import Answer, LeanClient
from bench.load import closed
from bench.report import Figure
from ec_events import Envelope
from ec_events.base import Event
from ec_platform.bus import open_bus
from ec_platform.settings import PlatformSettings
from harness.factories import API_TOKENS, bearer
from harness.infra import asyncpg_dsn, fresh_database, fresh_topic_prefix
from harness.notifier import Story
from harness.notifier_receivers import HttpReceiver, SmtpSink, receivers
from harness.processes import ServiceProcess, free_port

WEBHOOK_EVENTS = 3_000
ESCALATIONS = 30
EMAILS_PER_ESCALATION = 50  # the manager's assignment and 49 updates
PER_HOST = 8  # the notifier's default EC_NOTIFIER_HOST_CONCURRENCY
CEILING_SECONDS = 3.0
# Head-of-line blocking: the dead subscriber's deliveries already due when the
# healthy receiver's events are published, and how long each wait may last.
DEAD_BACKLOG = 10_000
BACKLOG_WAIT_S = 120.0
HEALTHY_WAIT_S = 60.0
# The dead subscription hears only the backlog's events, the healthy one only
# its own: the backlog is exactly DEAD_BACKLOG, and (a) and (b) send the same.
BACKLOG_EVENT = "ProgressReported"
HEALTHY_EVENT = "RecordLinked"
# Only the escalation manager hears events, so each measure counts one channel.
ROUTING = """
audiences:
  team: {events: []}
  provider_contacts: {events: []}
  customer_contacts: {events: []}
  operations_log: {events: []}
"""


async def run(
    *,
    kafka: str,
    healthy_events: int = WEBHOOK_EVENTS,
    dead_backlog: int = DEAD_BACKLOG,
    healthy_wait_s: float = HEALTHY_WAIT_S,
) -> list[Figure]:
    """Every figure; the head-of-line ones with `healthy_events` beside a
    backlog of `dead_backlog` (smaller for a quick run)."""
    with receivers("ok") as (smtp, [http]), tempfile.TemporaryDirectory() as folder:
        routing = Path(folder) / "routing.yaml"
        routing.write_text(ROUTING)
        async with _notifier(kafka, smtp, routing, Path(folder)) as n:
            webhooks = await _webhook_rate(kafka, n.prefix, n.url, http)
            emails = await _email_rate(kafka, n.prefix, smtp)
        blocked = await _head_of_line(
            kafka,
            smtp,
            routing,
            Path(folder),
            http,
            events=healthy_events,
            backlog=dead_backlog,
            wait_s=healthy_wait_s,
        )
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
        *blocked.figures(post_ceiling),
    ]


@dataclass(frozen=True)
class Running:
    url: str
    prefix: str
    database_url: str


@contextlib.asynccontextmanager
async def _notifier(
    kafka: str, smtp: SmtpSink, routing: Path, logs: Path
) -> AsyncIterator[Running]:
    prefix = fresh_topic_prefix()
    async with fresh_database() as database_url:
        env = {
            "EC_DATABASE_URL": database_url,
            "EC_KAFKA_BOOTSTRAP_SERVERS": kafka,
            "EC_TOPIC_PREFIX": prefix,
            "EC_API_TOKENS": API_TOKENS,
            # The receivers measured listen on 127.0.0.1: allowed explicitly.
            "EC_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8",
            "EC_SMTP_URL": smtp.url,
            "EC_NOTIFIER_ROUTING_FILE": str(routing),
        }
        service = ServiceProcess("ec_notifier", env=env, log_dir=logs)
        service.start()
        try:
            await service.wait_healthy()
            yield Running(service.url, prefix, database_url)
        finally:
            service.stop()


async def _publish(kafka: str, prefix: str, events: Sequence[Event]) -> None:
    settings = PlatformSettings(kafka_bootstrap_servers=kafka, topic_prefix=prefix)
    async with open_bus(settings, client_id="bench-notifier") as bus:
        envelopes = [Envelope.wrap(e, id=uuid.uuid4(), source="/bench") for e in events]
        for start in range(0, len(envelopes), 1_000):
            chunk = envelopes[start : start + 1_000]
            await bus.publish(settings.topics.escalations, [e.to_binary() for e in chunk])


@dataclass(frozen=True)
class Arrivals:
    expected: int
    arrived: int
    # All arrived: per second from the first arrival to the last. Not all
    # within the wait: what arrived over the whole wait (0 if nothing did).
    rate: float

    @property
    def complete(self) -> bool:
        return self.arrived >= self.expected


async def _arrivals(count: Callable[[], int], expected: int, *, wait_s: float) -> Arrivals:
    """Watches `count` reach `expected`, for at most `wait_s` seconds."""
    began = time.perf_counter()
    first: float | None = None
    deadline = began + wait_s
    while (seen := count()) < expected:
        if first is None and seen:
            first = time.perf_counter()
        if time.perf_counter() > deadline:
            return Arrivals(expected, seen, seen / (time.perf_counter() - began))
        await asyncio.sleep(0.01)
    started = first or time.perf_counter()
    rate = expected / max(time.perf_counter() - started, 1e-3)
    return Arrivals(expected, expected, rate)


async def _arrival_rate(count: Callable[[], int], expected: int) -> float:
    """Deliveries per second from the first arrival to the last."""
    measured = await _arrivals(count, expected, wait_s=300)
    if not measured.complete:
        raise RuntimeError(f"only {measured.arrived} of {expected} deliveries arrived")
    return measured.rate


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


@dataclass(frozen=True)
class HeadOfLine:
    alone: Arrivals
    beside: Arrivals
    backlog: int  # the dead subscriber's deliveries recorded before (b)'s events

    def figures(self, ceiling: float) -> list[Figure]:
        return [
            Figure(
                f"webhook deliveries/s alone{_partly(self.alone)}",
                self.alone.rate,
                "deliveries/s",
                f"receiver ceiling, direct POSTs x{PER_HOST}",
                ceiling,
                "",
            ),
            Figure(
                f"  beside {self.backlog:,} dead deliveries due{_partly(self.beside)}",
                self.beside.rate,
                "deliveries/s",
                f"receiver ceiling, direct POSTs x{PER_HOST}",
                ceiling,
                "",
            ),
            Figure(
                "  beside the dead ones / alone",
                self.beside.rate,
                "deliveries/s",
                f"alone ({self.alone.expected:,} events each)",
                self.alone.rate,
                "",
            ),
        ]


def _partly(measured: Arrivals) -> str:
    """What a figure's name says of a wait that ended before every arrival."""
    if measured.complete:
        return ""
    return f" ({measured.arrived:,}/{measured.expected:,} came)"


async def head_of_line(
    *,
    kafka: str,
    events: int = WEBHOOK_EVENTS,
    backlog: int = DEAD_BACKLOG,
    wait_s: float = HEALTHY_WAIT_S,
) -> HeadOfLine:
    """The head-of-line measure alone, on receivers of its own (the bench
    harness test runs it small)."""
    with receivers("ok") as (smtp, [http]), tempfile.TemporaryDirectory() as folder:
        routing = Path(folder) / "routing.yaml"
        routing.write_text(ROUTING)
        return await _head_of_line(
            kafka, smtp, routing, Path(folder), http, events=events, backlog=backlog, wait_s=wait_s
        )


async def _head_of_line(
    kafka: str,
    smtp: SmtpSink,
    routing: Path,
    logs: Path,
    http: HttpReceiver,
    *,
    events: int,
    backlog: int,
    wait_s: float,
) -> HeadOfLine:
    """The healthy receiver's webhook rate (a) alone and (b) beside a dead
    subscriber's backlog, each on a notifier of its own (a fresh database and
    topic prefix), so neither sees the other's rows."""
    async with _notifier(kafka, smtp, routing, logs) as n:
        alone = await _healthy_rate(kafka, n, http, "/alone", events=events, wait_s=wait_s)
    async with _notifier(kafka, smtp, routing, logs) as n:
        recorded = await _dead_backlog(kafka, n, backlog)
        beside = await _healthy_rate(kafka, n, http, "/beside", events=events, wait_s=wait_s)
    return HeadOfLine(alone, beside, recorded)


async def _subscribe(url: str, target: str, event_types: list[str]) -> str:
    async with httpx.AsyncClient(base_url=url) as client:
        answer = await client.post(
            "/v1/subscriptions",
            json={"url": target, "event_types": event_types},
            headers=bearer("admin"),
        )
        answer.raise_for_status()
        subscription: str = answer.json()["id"]
        return subscription


async def _dead_backlog(kafka: str, n: Running, backlog: int) -> int:
    """Built the realistic way: the dead URL subscribed, `backlog` events it
    hears published through Kafka, and their deliveries recorded by the
    notifier itself (not inserted into its table). Its dispatcher meets the
    refused connections meanwhile, as it would. The deliveries recorded when
    the bounded wait ends (all of them, unless the notifier is far slower)."""
    dead = f"http://127.0.0.1:{free_port()}/gone"  # nothing ever listens there
    subscription = await _subscribe(n.url, dead, [BACKLOG_EVENT])
    stories = [Story() for _ in range(ESCALATIONS)]
    await _publish(kafka, n.prefix, [stories[k % ESCALATIONS].progress() for k in range(backlog)])
    connection = await asyncpg.connect(asyncpg_dsn(n.database_url))
    try:
        deadline = time.monotonic() + BACKLOG_WAIT_S
        while True:
            recorded: int = await connection.fetchval(
                "SELECT count(*) FROM notifier.deliveries WHERE subscription_id = $1",
                uuid.UUID(subscription),
            )
            if recorded >= backlog or time.monotonic() > deadline:
                return recorded
            await asyncio.sleep(0.1)
    finally:
        await connection.close()


async def _healthy_rate(
    kafka: str, n: Running, http: HttpReceiver, path: str, *, events: int, wait_s: float
) -> Arrivals:
    """As _webhook_rate: the receiver subscribed, `events` events published,
    counted as they arrive; but the wait is bounded and its end reported."""
    await _subscribe(n.url, f"{http.url}{path}", [HEALTHY_EVENT])
    stories = [Story() for _ in range(ESCALATIONS)]
    published = [stories[k % ESCALATIONS].linked() for k in range(events)]
    publishing = asyncio.create_task(_publish(kafka, n.prefix, published))
    measured = await _arrivals(lambda: len(http.accepted(path)), events, wait_s=wait_s)
    await publishing
    return measured


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
