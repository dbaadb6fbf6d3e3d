"""Driving load: open loop at a steady rate (latency counted from when each
request was due, so queueing shows), and closed loop with N clients."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

from bench.http import Answer, LeanClient

Request = Callable[[LeanClient, int], Awaitable[Answer]]


@dataclass(frozen=True)
class Run:
    requests: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile_ms(self, share: float) -> float:
        return statistics.quantiles(self.latencies, n=1000)[int(share * 1000) - 1] * 1000


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The load generator is measuring apparatus: its own garbage-collection
    pauses would show up as the server's latency."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def steady(client: LeanClient, request: Request, *, rate: int, seconds: float) -> Run:
    with collector_paused():
        return await _steady(client, request, rate=rate, seconds=seconds)


async def closed(client: LeanClient, request: Request, *, clients: int, seconds: float) -> Run:
    with collector_paused():
        return await _closed(client, request, clients=clients, seconds=seconds)


async def _steady(client: LeanClient, request: Request, *, rate: int, seconds: float) -> Run:
    latencies: list[float] = []
    started = time.perf_counter()

    async def one(n: int, due: float) -> None:
        answer = await request(client, n)
        assert answer.status < 300, answer.body
        latencies.append(time.perf_counter() - due)

    running = []
    for n in range(int(rate * seconds)):
        due = started + n / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        running.append(asyncio.create_task(one(n, due)))
    await asyncio.gather(*running)
    return Run(len(latencies), time.perf_counter() - started, latencies)


async def _closed(client: LeanClient, request: Request, *, clients: int, seconds: float) -> Run:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def worker(w: int) -> None:
        n = w
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            answer = await request(client, n)
            assert answer.status < 300, answer.body
            latencies.append(time.perf_counter() - sent)
            n += clients

    started = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(clients)))
    return Run(len(latencies), time.perf_counter() - started, latencies)
