"""When to try again: a delivery's retries, and a receiving host's circuit. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_s: float = 5.0
    cap_s: float = 3_600.0

    def delay(self, attempts: int, jitter: float) -> timedelta:
        """The pause after the `attempts`-th failed attempt: doubling, capped,
        with "equal jitter" (`jitter` in [0, 1)): half the pause is certain, so
        retries never bunch up at zero, half is random, so the deliveries that
        failed together do not come back together."""
        ceiling = min(self.cap_s, self.base_s * 2 ** max(attempts - 1, 0))
        return timedelta(seconds=ceiling / 2 * (1 + jitter))

    def next_attempt(self, attempts: int, now: datetime, jitter: float) -> datetime | None:
        """When to try again, or None: the delivery has failed for good."""
        if attempts >= self.max_attempts:
            return None
        return now + self.delay(attempts, jitter)


@dataclass(frozen=True)
class HostHealth:
    """What one process has seen of a receiving host lately."""

    failures: int = 0  # in a row: each send while closed, then one per failed probe
    open_until: datetime | None = None

    def state(self, now: datetime, threshold: int) -> str:
        if self.open_until is not None and now < self.open_until:
            return "open"
        return "half-open" if self.failures >= threshold else "closed"


@dataclass(frozen=True)
class CircuitPolicy:
    """A host that keeps failing is left alone for a while, then probed with
    one delivery at a time; each failed probe doubles the pause, one that
    succeeds closes the circuit."""

    threshold: int = 5
    base_s: float = 5.0
    cap_s: float = 300.0

    def on_failure(
        self, health: HostHealth, now: datetime, *, started_at: datetime | None = None
    ) -> HostHealth:
        """`started_at`: when the failed send began. A send that began before
        the circuit's current pause ends was in flight beside the failures
        that opened it, so it tells nothing new: counting it would double the
        pause once per concurrent send, and one short outage with a host's
        sends in flight would leave it alone for the longest pause."""
        if health.open_until is not None and (started_at or now) < health.open_until:
            return health
        failures = health.failures + 1
        if failures < self.threshold:
            return HostHealth(failures)
        pause = min(self.cap_s, self.base_s * 2 ** (failures - self.threshold))
        return HostHealth(failures, now + timedelta(seconds=pause))

    def on_success(self, health: HostHealth) -> HostHealth:
        return HostHealth()

    def allowed_in_flight(self, health: HostHealth, now: datetime, limit: int) -> int:
        state = health.state(now, self.threshold)
        if state == "open":
            return 0
        if state == "half-open":
            return 1  # one probe
        return limit
