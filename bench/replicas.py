"""The pipeline with one escalation process and with two (one consumer group,
the topics' partitions shared between them), everything else as in the
pipeline section: what a second replica gives on this machine.

- incidents/s decided, every one handled (the pipeline section's sustained
  measure), two replicas beside one;
- a P1's 202 to its EscalationStarted on Kafka at RATE P1s/s, p50 and p99,
  two replicas beside one."""

from __future__ import annotations

import json

from bench.cluster import Cluster, Decisions, cluster, watching_starts
from bench.pipeline import (
    CLIENTS,
    DRAIN_S,
    Decided,
    decided,
    decided_name,
    late_note,
    lean_client,
    p1_lags,
    percentile_ms,
    progress,
)
from bench.report import Figure
from harness.factories import incident_body

RATE = 200
# Enough P1s, decided by every replica, for the consumer group to have settled
# (each replica assigned its partitions) before anything is measured.
WARM_UP_P1S = 60


async def run(*, kafka: str) -> list[Figure]:
    one_rate, one_lags = await _measure(kafka, replicas=1)
    two_rate, two_lags = await _measure(kafka, replicas=2)
    return [
        Figure(
            f"2 replicas: {decided_name(two_rate)}",
            two_rate.rate,
            "incidents/s",
            "1 replica, incidents/s decided",
            one_rate.rate,
        ),
        Figure(
            f"2 replicas: P1 p50 ms at {RATE}/s{late_note(two_lags)}",
            percentile_ms(two_lags, 0.5),
            "ms",
            f"1 replica p50 ms{late_note(one_lags)}",
            percentile_ms(one_lags, 0.5),
        ),
        Figure(
            f"2 replicas: P1 p99 ms at {RATE}/s",
            percentile_ms(two_lags, 0.99),
            "ms",
            "1 replica p99 ms",
            percentile_ms(one_lags, 0.99),
        ),
    ]


async def _measure(kafka: str, *, replicas: int) -> tuple[Decided, list[float]]:
    async with cluster(kafka=kafka, escalation_replicas=replicas) as running_cluster:
        measured = await _measure_cluster(running_cluster, kafka)
    progress(f"{replicas} escalation replica(s): {measured[0].rate:,.0f}/s decided")
    return measured


async def _measure_cluster(c: Cluster, kafka: str) -> tuple[Decided, list[float]]:
    async with (
        Decisions.of(c.database_url) as decisions,
        watching_starts(kafka, f"{c.prefix}escalations") as starts,
        lean_client(c.urls["intake"], "intake", CLIENTS) as intake,
    ):
        for _ in range(WARM_UP_P1S):
            answer = await intake.request(
                "POST", "/v1/incidents", json.dumps(incident_body(priority="P1")).encode()
            )
            assert answer.status == 202, answer.body
        await decisions.wait_for(WARM_UP_P1S, timeout=DRAIN_S)
        rate = await decided(intake, decisions)
        if not await decisions.drained(timeout=DRAIN_S):
            progress(f"a backlog was left after {DRAIN_S:.0f} s")
        lags = await p1_lags(intake, starts, RATE)
    return rate, lags
