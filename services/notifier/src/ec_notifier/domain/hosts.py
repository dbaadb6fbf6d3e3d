"""Per-host admission for one notifier process: how many deliveries each
receiving host may have in flight, given its recent failures.

A send holds a `Slot` of its host's gate. The slot is given back once, by
whichever comes first: the send's end, or the dispatcher giving up on a send
that outlived its lease. So no path can keep a host's room taken for good."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ec_notifier.domain.policy import CircuitPolicy, HostHealth


@dataclass(eq=False)
class Slot:
    """One send's place at its host's gate."""

    host: str
    started_at: datetime
    returned: bool = field(default=False)


@dataclass(frozen=True)
class HostView:
    """What this process holds of one host, for operators and metrics."""

    host: str
    in_flight: int
    circuit: str  # closed, open or half-open
    failures: int
    open_until: datetime | None


class HostGates:
    def __init__(self, policy: CircuitPolicy, *, per_host: int) -> None:
        self.policy = policy
        self.per_host = per_host
        self._in_flight: dict[str, int] = {}
        self._health: dict[str, HostHealth] = {}

    def capacity(self, host: str, now: datetime) -> int:
        return self.allowed(host, now) - self.in_flight_to(host)

    def allowed(self, host: str, now: datetime) -> int:
        """How many deliveries `host` may have in flight at all, given its health."""
        health = self._health.get(host, HostHealth())
        return self.policy.allowed_in_flight(health, now, self.per_host)

    def closed_hosts(self, now: datetime) -> list[str]:
        """Hosts that may not take another delivery now (full or backed off)."""
        return sorted(h for h in self.hosts() if self.capacity(h, now) <= 0)

    def take(self, host: str, now: datetime) -> Slot:
        self._in_flight[host] = self.in_flight_to(host) + 1
        return Slot(host, now)

    def give_back(self, slot: Slot, *, ok: bool | None, now: datetime) -> bool:
        """Frees the slot and learns from its send. `ok` None: the send said
        nothing about the host (it never reached it). False when the slot
        was given back already: nothing changes then."""
        if slot.returned:
            return False
        slot.returned = True
        host = slot.host
        left = self.in_flight_to(host) - 1
        if left > 0:
            self._in_flight[host] = left
        else:
            self._in_flight.pop(host, None)
        health = self._health.get(host, HostHealth())
        if ok is True:
            self._health.pop(host, None)
        elif ok is False:
            self._health[host] = self.policy.on_failure(health, now, started_at=slot.started_at)
        return True

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
        return health is not None and health.state(now, self.policy.threshold) == "open"

    def views(self, now: datetime) -> list[HostView]:
        return [
            HostView(
                host=host,
                in_flight=self.in_flight_to(host),
                circuit=health.state(now, self.policy.threshold),
                failures=health.failures,
                open_until=health.open_until,
            )
            for host in sorted(self.hosts())
            for health in [self._health.get(host, HostHealth())]
        ]
