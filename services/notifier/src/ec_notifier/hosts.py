"""Per-host admission for one notifier process: how many deliveries each
receiving host may have in flight, given its recent failures."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from ec_notifier.policy import CircuitPolicy, HostHealth


class HostGates:
    def __init__(self, policy: CircuitPolicy, *, per_host: int) -> None:
        self.policy = policy
        self.per_host = per_host
        self._in_flight: dict[str, int] = defaultdict(int)
        self._health: dict[str, HostHealth] = {}

    def capacity(self, host: str, now: datetime) -> int:
        return self.allowed(host, now) - self._in_flight[host]

    def allowed(self, host: str, now: datetime) -> int:
        """How many deliveries `host` may have in flight at all, given its health."""
        health = self._health.get(host, HostHealth())
        return self.policy.allowed_in_flight(health, now, self.per_host)

    def closed_hosts(self, now: datetime) -> list[str]:
        """Hosts that may not take another delivery now (full or backed off)."""
        return sorted(h for h in self.hosts() if self.capacity(h, now) <= 0)

    def acquire(self, host: str) -> None:
        self._in_flight[host] += 1

    def release(self, host: str, *, ok: bool | None, now: datetime) -> None:
        """`ok` None: the attempt said nothing about the host (it was never tried)."""
        self._in_flight[host] -= 1
        if self._in_flight[host] <= 0:
            del self._in_flight[host]
        health = self._health.get(host, HostHealth())
        if ok is True:
            self._health.pop(host, None)
        elif ok is False:
            self._health[host] = self.policy.on_failure(health, now)

    def in_flight_to(self, host: str) -> int:
        return self._in_flight.get(host, 0)

    def hosts(self) -> set[str]:
        """Hosts with deliveries in flight or a recent failure."""
        return set(self._in_flight) | set(self._health)

    @property
    def in_flight(self) -> int:
        return sum(self._in_flight.values())

    def is_backed_off(self, host: str, now: datetime) -> bool:
        health = self._health.get(host)
        return health is not None and health.open_until is not None and now < health.open_until
