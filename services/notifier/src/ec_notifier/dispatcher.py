"""Sending what is due: claim (committed) before sending, record the outcome
after, each delivery in its own task so a slow receiver holds up no other."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy.exc import InterfaceError, OperationalError

from ec_notifier.claims import Claimed, Claims, Outcome
from ec_notifier.hosts import HostGates
from ec_platform.clock import Clock
from ec_platform.observability import Metrics
from ec_platform.tasks import Doorbell
from ec_platform.tracing import continued_span

log = logging.getLogger(__name__)
Send = Callable[[Claimed, datetime], Awaitable[Outcome]]
# Time kept back from a lease for recording the outcome: a send still running
# then is abandoned, so no other process takes the delivery over mid-send.
LEASE_MARGIN_S = 2.0
# Finishing deliveries ring for more work; claiming at most this often lets
# each claim take several rows instead of one transaction per delivery.
MIN_CLAIM_GAP_S = 0.01


class Dispatcher:
    def __init__(
        self,
        *,
        claims: Claims,
        send: Send,
        gates: HostGates,
        doorbell: Doorbell,
        clock: Clock,
        metrics: Metrics,
        concurrency: int,
        poll_s: float,
    ) -> None:
        self.claims = claims
        self.send = send
        self.gates = gates
        self.doorbell = doorbell
        self.clock = clock
        self.concurrency = concurrency
        self.poll_s = poll_s
        self._tasks: set[asyncio.Task[None]] = set()
        self._last_claim = 0.0
        self._outcomes: asyncio.Queue[tuple[Claimed, Outcome]] = asyncio.Queue()
        self._counted = metrics.counter(
            "ec_notifier_attempts",
            "Delivery attempts by channel and outcome",
            ("channel", "outcome"),
        )

    async def step(self) -> float:
        """Claims and starts what may be sent now; the pause before the next look."""
        await asyncio.sleep(max(0.0, self._last_claim + MIN_CLAIM_GAP_S - time.monotonic()))
        now = self.clock()
        free = self.concurrency - self.gates.in_flight
        if free <= 0:
            return self.poll_s  # a finishing delivery rings the bell
        self._last_claim = time.monotonic()
        claimed = await self.claims.claim(
            now,
            limit=free,
            closed_hosts=self.gates.closed_hosts(now),
            capacity=lambda host: self.gates.capacity(host, now),
        )
        for delivery in claimed:
            self.gates.acquire(delivery.host)
            self._spawn(self._deliver(delivery), f"deliver {delivery.id}")
        return 0 if len(claimed) == free else self.poll_s

    def _spawn(self, work: Awaitable[None], name: str) -> None:
        async def run() -> None:
            await work

        task = asyncio.create_task(run(), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, delivery: Claimed) -> None:
        outcome = await self._attempt(delivery)
        self.gates.release(delivery.host, ok=outcome.host_ok, now=self.clock())
        self._outcomes.put_nowait((delivery, outcome))
        self.doorbell.ring()
        label = "delivered" if outcome.delivered else "failed" if outcome.permanent else "retry"
        self._counted.labels(delivery.channel, label).inc()

    async def _attempt(self, delivery: Claimed) -> Outcome:
        """One attempt, in a client span continuing the event's trace; an HTTP
        channel's request carries it as its `traceparent` (see traced_http)."""
        with continued_span(
            f"deliver {delivery.channel}",
            delivery.trace_context,
            kind=SpanKind.CLIENT,
            attributes={
                "ec.delivery.id": str(delivery.id),
                "ec.delivery.channel": delivery.channel,
                "ec.delivery.attempt": delivery.attempts,
                "server.address": delivery.host,
            },
        ) as span:
            outcome = await self._attempt_in_span(delivery)
            if not outcome.delivered:
                span.set_status(Status(StatusCode.ERROR, outcome.error))
            return outcome

    async def _attempt_in_span(self, delivery: Claimed) -> Outcome:
        budget = (delivery.lease_until - self.clock()).total_seconds() - LEASE_MARGIN_S
        try:
            async with asyncio.timeout(max(budget, 0.1)):
                return await self.send(delivery, self.clock())
        except TimeoutError:
            return Outcome(False, "timed out within the claim's lease", host_ok=False)
        except Exception as error:  # a bug in one channel must not stop the others
            log.exception("delivery %s: the %s channel failed", delivery.id, delivery.channel)
            return Outcome(False, f"{type(error).__name__}: {error}")

    async def record_outcomes(self) -> None:
        """Writes every outcome waiting, in one transaction, then waits for more.
        A delivery whose outcome is not yet written stays `sending`: were the
        process to die now, it would be sent again once its lease ran out (the
        crash window), so outcomes are written as soon as the last write ends."""
        batch = [await self._outcomes.get()]
        while not self._outcomes.empty():
            batch.append(self._outcomes.get_nowait())
        while True:
            try:
                await self.claims.finish(batch, now=self.clock(), jitter=random.random)
                return
            except (OSError, OperationalError, InterfaceError):
                log.warning("recording %d outcomes failed; retrying", len(batch), exc_info=True)
                await asyncio.sleep(0.5)

    async def stop(self) -> None:
        """Abandons sends under way (their leases will run out) and writes the
        outcomes already known, so a graceful stop sends nothing twice."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if not self._outcomes.empty():
            batch = []
            while not self._outcomes.empty():
                batch.append(self._outcomes.get_nowait())
            try:
                await self.claims.finish(batch, now=self.clock(), jitter=random.random)
            except Exception:  # shutting down: their leases will run out instead
                log.warning("could not record %d outcomes on stop", len(batch), exc_info=True)
