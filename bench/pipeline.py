"""The whole pipeline, driven from outside: intake, escalation, notifier and
monitor as separate processes on real Kafka and PostgreSQL (as `make up` runs
them), this process the load generator.

- sustained: incidents posted as fast as the intake takes them (CLIENTS
  clients, 1 in 20 a P1), until every one has its decision recorded by the
  escalation service; beside it the intake alone (its own process, no
  consumers), the same clients and bodies.
- latency at fixed offered rates: P1s, from the intake's 202 to their
  EscalationStarted read from the escalations topic; beside it a bare chain
  (commit, produce, consume + commit + produce, read) with the same drivers.
- storm: STORM P4 alerts of bronze and silver customers, one P1 posted when
  half are accepted, from its 202 to its escalation listed on GET
  /v1/escalations; beside it the same P1 on the quiet pipeline just before."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import statistics
import sys
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from bench import chain
from bench.cluster import Cluster, Decisions, Starts, cluster, watching_starts
from bench.http import Answer, LeanClient
from bench.load import closed, collector_paused
from bench.report import Figure
from bench.service import running
from harness.factories import bearer, incident_body

CLIENTS = 32
SUSTAINED_SECONDS = 5.0
RATES = (50, 200, 500)
RATE_SECONDS = 4.0
STORM = 20_000
# How long a measure waits for the pipeline to catch up before it reports
# what did not arrive (the section stays under three minutes however slow).
CATCH_UP_S = 20.0
STORM_P1_WAIT_S = 45.0
# How long a measure waits for the backlog of the one before to be decided.
DRAIN_S = 30.0


def progress(what: str) -> None:
    """On stderr, so a slow run shows where it is."""
    print(f"  pipeline: {what}", file=sys.stderr, flush=True)


def p4_body(n: int) -> dict[str, Any]:
    tier = "bronze" if n % 2 else "silver"
    return incident_body(
        priority="P4",
        customer={"id": f"storm-{n % 200}", "name": f"Customer {n % 200}", "tier": tier},
        service=f"service-{n % 5}",
    )


def mixed_bodies(count: int) -> list[bytes]:
    return [
        json.dumps(incident_body(priority="P1") if n % 20 == 0 else p4_body(n)).encode()
        for n in range(count)
    ]


async def run(*, kafka: str) -> list[Figure]:
    alone = await _intake_alone(kafka)
    progress(f"the intake alone took {alone:,.0f}/s")
    async with cluster(kafka=kafka) as running_cluster:
        return await _measure(running_cluster, kafka, alone)


async def _intake_alone(kafka: str) -> float:
    async with running("ec_intake", kafka=kafka) as service:
        client = LeanClient(service.url, headers=bearer("intake"), connections=CLIENTS)
        bodies = mixed_bodies(20_000)

        async def report(c: LeanClient, n: int) -> Answer:
            return await c.request("POST", "/v1/incidents", bodies[n % len(bodies)])

        try:
            await closed(client, report, clients=CLIENTS, seconds=1.0)  # warm-up
            return (await closed(client, report, clients=CLIENTS, seconds=SUSTAINED_SECONDS)).rate
        finally:
            await client.close()


@contextlib.asynccontextmanager
async def lean_client(url: str, role: str, connections: int) -> AsyncIterator[LeanClient]:
    """A client per measure: connections idle between measures are closed by
    the server (keep-alive timeout)."""
    client = LeanClient(url, headers=bearer(role), connections=connections)
    try:
        yield client
    finally:
        await client.close()


async def _measure(c: Cluster, kafka: str, alone: float) -> list[Figure]:
    def intake() -> contextlib.AbstractAsyncContextManager[LeanClient]:
        return lean_client(c.urls["intake"], "intake", CLIENTS)

    figures: list[Figure] = []
    async with (
        Decisions.of(c.database_url) as decisions,
        watching_starts(kafka, f"{c.prefix}escalations") as starts,
    ):
        # The storm first: the escalations the P1 measures start keep the
        # notifier and the monitor busy for a while after, on the same cores.
        async with intake() as client, lean_client(c.urls["escalation"], "auditor", 2) as board:
            await _post(client, [json.dumps(incident_body(priority="P1")).encode()])  # warm-up
            figures += await _storm(client, board, alone)
        if not await decisions.drained(timeout=DRAIN_S):
            progress(f"a backlog was left after {DRAIN_S:.0f} s")
        async with intake() as client:
            figures.append(await _sustained(client, decisions, alone))
            progress(f"sustained: {figures[-1].value:,.0f}/s")
        for rate in RATES:
            if not await decisions.drained(timeout=DRAIN_S):
                progress(f"a backlog was left after {DRAIN_S:.0f} s")
            async with intake() as client:
                figures += await _at_rate(client, starts, c, kafka, rate)
            progress(f"{rate}/s: p99 {figures[-1].value:,.0f} ms")
    return figures


async def _post(client: LeanClient, bodies: list[bytes]) -> list[str]:
    ids = []
    for body in bodies:
        answer = await client.request("POST", "/v1/incidents", body)
        assert answer.status == 202, answer.body
        ids.append(json.loads(answer.body)["id"])
    return ids


@dataclass(frozen=True)
class Decided:
    """Incidents posted as fast as the intake takes them, and how fast the
    escalation service decided them."""

    rate: float
    posted: int
    late: int


async def decided(intake: LeanClient, decisions: Decisions) -> Decided:
    """Posts for SUSTAINED_SECONDS and waits for every decision (or CATCH_UP_S)."""
    bodies = mixed_bodies(40_000)
    before = await decisions.count()

    async def report(c: LeanClient, n: int) -> Answer:
        return await c.request("POST", "/v1/incidents", bodies[n % len(bodies)])

    started = time.perf_counter()
    posted = (await closed(intake, report, clients=CLIENTS, seconds=SUSTAINED_SECONDS)).requests
    done = await decisions.wait_for(before + posted, timeout=CATCH_UP_S)
    if done is None:
        handled = await decisions.count() - before
        return Decided(handled / (time.perf_counter() - started), posted, posted - handled)
    return Decided(posted / (done - started), posted, 0)


def decided_name(measured: Decided) -> str:
    if measured.late:
        return f"incidents/s decided ({measured.late:,}/{measured.posted:,} late)"
    return f"incidents/s decided, all {measured.posted:,}"


async def _sustained(intake: LeanClient, decisions: Decisions, alone: float) -> Figure:
    measured = await decided(intake, decisions)
    return Figure(
        decided_name(measured),
        measured.rate,
        "incidents/s",
        f"intake alone accepted/s, {CLIENTS} clients",
        alone,
        ">= 1,000",
    )


async def p1_lags(intake: LeanClient, starts: Starts, rate: int) -> list[float]:
    """Seconds from each P1's 202 to its EscalationStarted on Kafka (infinite
    when not within CATCH_UP_S), RATE_SECONDS of P1s offered at `rate`."""
    count = int(rate * RATE_SECONDS)
    bodies = [json.dumps(incident_body(priority="P1")).encode() for _ in range(count)]
    accepted: dict[str, float] = {}

    async def one(n: int) -> None:
        answer = await intake.request("POST", "/v1/incidents", bodies[n])
        assert answer.status == 202, answer.body
        accepted[json.loads(answer.body)["id"]] = time.perf_counter()

    with collector_paused():
        await _open_loop(one, rate=rate, count=count)
    await starts.wait_for(set(accepted), timeout=CATCH_UP_S)
    return [starts.at.get(i, math.inf) - at for i, at in accepted.items()]


def late_note(lags: list[float]) -> str:
    missing = sum(1 for lag in lags if math.isinf(lag))
    return f" ({missing:,}/{len(lags):,} late)" if missing else ""


async def _at_rate(
    intake: LeanClient, starts: Starts, c: Cluster, kafka: str, rate: int
) -> list[Figure]:
    lags = await p1_lags(intake, starts, rate)
    base = await chain.latencies(
        database_url=c.database_url,
        kafka=kafka,
        prefix=c.prefix,
        rate=rate,
        seconds=2.0,
        wait=10.0,
    )
    return [
        Figure(
            f"P1 202 -> started p50 ms at {rate}/s{late_note(lags)}",
            percentile_ms(lags, 0.5),
            "ms",
            "bare commit+produce chain p50 ms",
            percentile_ms(base, 0.5),
        ),
        Figure(
            f"P1 202 -> started p99 ms at {rate}/s",
            percentile_ms(lags, 0.99),
            "ms",
            "bare commit+produce chain p99 ms",
            percentile_ms(base, 0.99),
            "< 250 ms at 200/s" if rate == 200 else "",
        ),
    ]


async def _open_loop(
    one: Callable[[int], Coroutine[None, None, None]], *, rate: int, count: int
) -> None:
    started = time.perf_counter()
    running: list[asyncio.Task[None]] = []
    for n in range(count):
        await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
        running.append(asyncio.create_task(one(n)))
    await asyncio.gather(*running)


def percentile_ms(values: list[float], share: float) -> float:
    """A percentile in ms; infinite when more than the share never arrived."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)] * 1000


async def _listed_after(board: LeanClient, intake: LeanClient) -> float:
    """Posts one P1 and returns seconds from its 202 to its escalation listed."""
    [incident_id] = await _post(intake, [json.dumps(incident_body(priority="P1")).encode()])
    accepted = time.perf_counter()
    deadline = time.monotonic() + STORM_P1_WAIT_S
    while time.monotonic() < deadline:
        answer = await board.request("GET", f"/v1/escalations?incident_id={incident_id}")
        if json.loads(answer.body)["items"]:
            return time.perf_counter() - accepted
        await asyncio.sleep(0.02)
    return math.inf


async def _storm(intake: LeanClient, board: LeanClient, alone: float) -> list[Figure]:
    quiet = statistics.median([await _listed_after(board, intake) for _ in range(3)])
    progress(f"a quiet P1 listed after {quiet * 1000:,.0f} ms")
    bodies = [json.dumps(p4_body(n)).encode() for n in range(STORM)]
    half = asyncio.Event()
    posted = 0

    async def worker(w: int) -> None:
        nonlocal posted
        for n in range(w, STORM, CLIENTS):
            answer = await intake.request("POST", "/v1/incidents", bodies[n])
            assert answer.status == 202, answer.body
            posted += 1
            if posted >= STORM // 2:
                half.set()

    started = time.perf_counter()
    storm = asyncio.gather(*(worker(w) for w in range(CLIENTS)))
    await half.wait()
    p1 = asyncio.create_task(_listed_after(board, intake))
    await storm
    accepted_rate = STORM / (time.perf_counter() - started)
    lag = await p1
    progress(f"storm: the P1 listed after {lag * 1000:,.0f} ms")
    shown = "not listed in" if math.isinf(lag) else "listed"
    return [
        Figure(
            f"storm of {STORM:,} P4: P1 202 -> {shown} ms",
            lag * 1000 if math.isfinite(lag) else STORM_P1_WAIT_S * 1000,
            "ms",
            "a P1 on the quiet pipeline, median of 3",
            quiet * 1000,
            "< 2,000 ms",
        ),
        Figure(
            f"storm: P4 accepted/s ({CLIENTS} clients)",
            accepted_rate,
            "incidents/s",
            f"intake alone accepted/s, {CLIENTS} clients",
            alone,
        ),
    ]
