"""Sending what is due: claim (committed) before sending, record the outcome
after, each delivery in its own task so a slow receiver holds up no other.

Claims run ahead of the sends: a host may have CLAIM_DEPTH times its
in-flight limit claimed, so when one of its sends ends the next starts at
once, instead of after a claim's round trip to the database."""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy.exc import InterfaceError, OperationalError

from ec_notifier.domain.hosts import HostGates, HostView, Slot
from ec_notifier.store.claims import Claimed, Claims, Outcome
from ec_platform.clock import Clock
from ec_platform.http.metrics import Metrics
from ec_platform.observability.tracing import continued_span
from ec_platform.tasks import Doorbell

log = logging.getLogger(__name__)
Send = Callable[[Claimed, datetime], Awaitable[Outcome]]
# Time kept back from a lease for recording the outcome: a send still running
# then is abandoned, so no other process takes the delivery over mid-send.
LEASE_MARGIN_S = 2.0
# Finishing deliveries ring for more work; claiming at most this often lets
# each claim take several rows instead of one transaction per delivery.
MIN_CLAIM_GAP_S = 0.01
# Deliveries claimed per host, as a multiple of what it may have in flight.
CLAIM_DEPTH = 2
# A send still running this long after its own timeout ignored it (a library
# that swallowed the cancellation): its host's slot is given back without it,
# so it cannot hold the host's room for good. Less than the lease's margin, so
# the slot is free before any other process may take the delivery over.
OVERDUE_AFTER_TIMEOUT_S = LEASE_MARGIN_S / 2


@dataclass(eq=False)
class Sending:
    """A delivery whose send is under way, and the host slot it holds."""

    delivery: Claimed
    slot: Slot
    # On the monotonic clock: the wall clock may jump, a send's time does not.
    overdue_at: float
    task: asyncio.Task[None] | None = None


@dataclass(frozen=True)
class DispatcherView:
    """This process's dispatcher, as an operator debugging a stall needs it."""

    in_flight: int
    waiting: int
    sends_abandoned: int
    hosts: list[HostView]
    waiting_by_host: dict[str, int]


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
        send_timeout_s: float,
    ) -> None:
        self.claims = claims
        self.send = send
        self.gates = gates
        self.doorbell = doorbell
        self.clock = clock
        self.concurrency = concurrency
        self.poll_s = poll_s
        # A claimed delivery is started only while its lease still covers a
        # whole attempt; one that waited longer goes back to the queue.
        self._lease_needed = timedelta(seconds=send_timeout_s + LEASE_MARGIN_S)
        self._waiting: dict[str, deque[Claimed]] = {}
        self._sending: dict[uuid.UUID, Sending] = {}
        self._abandoned = 0
        self._last_claim = 0.0
        self._outcomes: asyncio.Queue[tuple[Claimed, Outcome]] = asyncio.Queue()
        self._counted = metrics.counter(
            "ec_notifier_attempts",
            "Delivery attempts by channel and outcome",
            ("channel", "outcome"),
        )
        self._abandoned_sends = metrics.counter(
            "ec_notifier_sends_abandoned",
            "Sends still running at the end of their lease, their host's slot given back",
            ("channel",),
        )
        self._broken_sends = metrics.counter(
            "ec_notifier_send_tasks_failed",
            "Send tasks that ended with an error of their own (recorded as a failed attempt)",
            ("channel",),
        )

    async def step(self) -> float:
        """Claims what may be sent soon and starts what may be sent now; the
        pause before the next look."""
        await asyncio.sleep(max(0.0, self._last_claim + MIN_CLAIM_GAP_S - time.monotonic()))
        now = self.clock()
        self._abandon_overdue()
        await self._return_unsendable(now)
        self._start_waiting(now)
        room = self.concurrency * CLAIM_DEPTH - self.gates.in_flight - self._waiting_count()
        if room <= 0:
            return self.poll_s  # a finishing delivery rings the bell
        self._last_claim = time.monotonic()
        claimed = await self.claims.claim(
            now,
            limit=room,
            closed_hosts=[h for h in self._known_hosts() if self._claimable(h, now) <= 0],
            capacity=lambda host: self._claimable(host, now),
            per_host=self.gates.per_host * CLAIM_DEPTH,
        )
        for delivery in claimed:
            self._waiting.setdefault(delivery.host, deque()).append(delivery)
        self._start_waiting(self.clock())
        return 0 if len(claimed) == room else self.poll_s

    def _claimable(self, host: str, now: datetime) -> int:
        waiting = len(self._waiting.get(host, ()))
        return self.gates.allowed(host, now) * CLAIM_DEPTH - self.gates.in_flight_to(host) - waiting

    def _known_hosts(self) -> set[str]:
        return self.gates.hosts() | set(self._waiting)

    def _waiting_count(self) -> int:
        return sum(len(queue) for queue in self._waiting.values())

    def _start_waiting(self, now: datetime) -> None:
        """Starts the claimed deliveries their hosts have room for now."""
        for host in list(self._waiting):
            queue = self._waiting[host]
            while queue and self.gates.capacity(host, now) > 0:
                delivery = queue.popleft()
                if delivery.lease_until - now < self._lease_needed:
                    queue.appendleft(delivery)  # returned by the next step
                    break
                budget = self._budget(delivery, now)
                overdue_at = time.monotonic() + budget + OVERDUE_AFTER_TIMEOUT_S
                self._spawn(Sending(delivery, self.gates.take(host, now), overdue_at))
            if not queue:
                del self._waiting[host]

    async def _return_unsendable(self, now: datetime) -> None:
        """Gives back what waited too long for its host (backed off, or slow):
        pending again, its attempt not counted, for any process to claim."""
        stale: list[Claimed] = []
        for host in list(self._waiting):
            backed_off = self.gates.is_backed_off(host, now)
            keep: deque[Claimed] = deque()
            for delivery in self._waiting.pop(host):
                sendable = not backed_off and delivery.lease_until - now >= self._lease_needed
                (keep if sendable else stale).append(delivery)
            if keep:
                self._waiting[host] = keep
        if stale:
            await self.claims.release(stale, now=now)

    def _spawn(self, sending: Sending) -> None:
        # The coroutine itself is the task: a task cancelled before its first
        # step (a stop right after the spawn) closes it, never leaves it unawaited.
        delivery = sending.delivery
        sending.task = asyncio.create_task(self._deliver(sending), name=f"deliver {delivery.id}")
        self._sending[delivery.id] = sending

    async def _deliver(self, sending: Sending) -> None:
        delivery = sending.delivery
        outcome: Outcome | None = None
        try:
            outcome = await self._attempt(delivery)
        except asyncio.CancelledError:
            # Stopping: the slot goes back with the rest; the lease hands the
            # delivery on.
            self._give_back(sending, ok=None)
            raise
        except Exception as error:  # the span or a metric failed around the send
            log.exception("delivery %s: its send task failed", delivery.id)
            self._broken_sends.labels(delivery.channel).inc()
            outcome = Outcome(False, f"the send failed: {type(error).__name__}: {error}")
        finally:
            if outcome is not None:
                self._give_back(sending, ok=outcome.host_ok)
                self._outcomes.put_nowait((delivery, outcome))
                self.doorbell.ring()
        assert outcome is not None  # a cancellation re-raised above
        label = "delivered" if outcome.delivered else "failed" if outcome.permanent else "retry"
        self._counted.labels(delivery.channel, label).inc()
        self._start_waiting(self.clock())

    def _give_back(self, sending: Sending, *, ok: bool | None) -> None:
        if self._sending.get(sending.delivery.id) is sending:
            del self._sending[sending.delivery.id]
        self.gates.give_back(sending.slot, ok=ok, now=self.clock())

    def _abandon_overdue(self) -> None:
        """Gives back the slots of sends that outlived their own timeout. Their
        outcome, should one ever come, is still written while the claim holds;
        once the lease has run out the delivery is any process's to send."""
        now = time.monotonic()
        for sending in list(self._sending.values()):
            if now < sending.overdue_at:
                continue
            log.error(
                "delivery %s to %s: its send outlived its timeout; giving its slot back",
                sending.delivery.id,
                sending.delivery.host,
            )
            self._abandoned += 1
            self._abandoned_sends.labels(sending.delivery.channel).inc()
            self._give_back(sending, ok=False)
            if sending.task is not None:
                sending.task.cancel()

    def view(self) -> DispatcherView:
        now = self.clock()
        return DispatcherView(
            in_flight=self.gates.in_flight,
            waiting=self._waiting_count(),
            sends_abandoned=self._abandoned,
            hosts=self.gates.views(now),
            waiting_by_host={host: len(queue) for host, queue in self._waiting.items()},
        )

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

    def _budget(self, delivery: Claimed, now: datetime) -> float:
        """The seconds a send may take: what its lease leaves, less the margin."""
        return max((delivery.lease_until - now).total_seconds() - LEASE_MARGIN_S, 0.1)

    async def _attempt_in_span(self, delivery: Claimed) -> Outcome:
        try:
            async with asyncio.timeout(self._budget(delivery, self.clock())):
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
        """Abandons sends under way (their leases will run out), writes the
        outcomes already known, so a graceful stop sends nothing twice, and
        gives back what was claimed and not started."""
        unstarted = [delivery for queue in self._waiting.values() for delivery in queue]
        self._waiting.clear()
        tasks = [s.task for s in self._sending.values() if s.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if not self._outcomes.empty():
            batch = []
            while not self._outcomes.empty():
                batch.append(self._outcomes.get_nowait())
            try:
                await self.claims.finish(batch, now=self.clock(), jitter=random.random)
            except Exception:  # shutting down: their leases will run out instead
                log.warning("could not record %d outcomes on stop", len(batch), exc_info=True)
        if unstarted:
            try:
                await self.claims.release(unstarted, now=self.clock())
            except Exception:  # shutting down: their leases will run out instead
                log.warning("could not give back %d claims on stop", len(unstarted), exc_info=True)
