"""What a duty rota is: layers of people taking turns, and overrides beating every layer.

Layers are listed from the bottom up: where several layers have someone on duty, the last
one listed wins (the way PagerDuty and Grafana OnCall stack layers). An override beats every
layer; where overrides overlap, the one listed last wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ec_escalation.domain.duty.errors import InvalidRota, require_aware
from ec_escalation.domain.duty.restrictions import NO_RESTRICTIONS, Restrictions

Role = Literal["escalation manager", "director"]
ROLES: tuple[Role, ...] = ("escalation manager", "director")


@dataclass(frozen=True)
class Rotation:
    """How long each turn lasts, in calendar days of the layer's time zone."""

    days: int

    def __post_init__(self) -> None:
        if self.days < 1:
            raise InvalidRota(f"a turn lasts at least one day, not {self.days}")


DAILY = Rotation(days=1)
WEEKLY = Rotation(days=7)


@dataclass(frozen=True)
class Layer:
    """People taking turns in the given order, handing off at a wall-clock time in `zone`.

    The first turn starts on `start` at `hand_off`, in `zone`; each turn lasts the rotation's
    number of calendar days there, so across a daylight-saving change a daily turn is 23 or
    25 hours long. A hand-off time that does not exist on the spring-change day happens at
    the first moment after it that exists; one that happens twice in autumn happens the first
    time (fold=0).
    """

    name: str
    people: tuple[str, ...]
    rotation: Rotation
    hand_off: time
    zone: str
    start: date
    restrictions: Restrictions = NO_RESTRICTIONS

    def __post_init__(self) -> None:
        if not self.name:
            raise InvalidRota("a layer needs a name")
        if not self.people or any(not person for person in self.people):
            raise InvalidRota(f"layer {self.name!r} needs people, each with an id")
        if self.hand_off.tzinfo is not None:
            raise InvalidRota(f"layer {self.name!r}: the hand-off time takes the layer's zone")
        try:
            ZoneInfo(self.zone)
        except (ZoneInfoNotFoundError, ValueError) as unknown:
            raise InvalidRota(f"layer {self.name!r}: no time zone {self.zone!r}") from unknown

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)


@dataclass(frozen=True)
class Override:
    """`person` is on duty from `start` up to `end`, whoever the layers say (a swap, a holiday)."""

    person: str
    start: datetime
    end: datetime
    reason: str = ""

    def __post_init__(self) -> None:
        if not self.person:
            raise InvalidRota("an override needs the id of the person covering")
        require_aware(self.start, "an override's start")
        require_aware(self.end, "an override's end")
        if self.end <= self.start:
            raise InvalidRota(f"override for {self.person!r} ends before it starts")


@dataclass(frozen=True)
class Scope:
    """What a rota is for, beyond its role; None means any."""

    customer_tier: str | None = None
    service: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class Rota:
    """Who is on duty in `role` for what `scope` covers: `layers` bottom up, then `overrides`."""

    name: str
    role: Role
    layers: tuple[Layer, ...]
    scope: Scope = field(default_factory=Scope)
    overrides: tuple[Override, ...] = ()

    def __post_init__(self) -> None:
        if not self.name:
            raise InvalidRota("a rota needs a name")
        if self.role not in ROLES:
            raise InvalidRota(f"rota {self.name!r}: no role {self.role!r}; one of {ROLES}")
        names = [layer.name for layer in self.layers]
        if len(set(names)) != len(names):
            raise InvalidRota(f"rota {self.name!r}: two layers share a name")


@dataclass(frozen=True)
class Turn:
    """One turn of a layer: the `number`th since the layer started (the first is 0)."""

    layer: str
    number: int


@dataclass(frozen=True)
class Shift:
    """`person` on duty from `start` up to `end` (UTC), through one turn or one override.

    A shift is as long as its person stays on duty for the same reason: other layers'
    hand-offs underneath do not cut it, a higher layer or an override taking over does.
    Back-to-back turns of the same person stay two shifts: each is a hand-off.
    """

    person: str
    start: datetime
    end: datetime
    source: Turn | Override

    def __post_init__(self) -> None:
        require_aware(self.start, "a shift's start")
        require_aware(self.end, "a shift's end")
        # Shifts compare equal when they name the same instants, whatever zone they came in.
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        object.__setattr__(self, "end", self.end.astimezone(UTC))

    @property
    def layer(self) -> str | None:
        """The layer whose turn this is; None for an override."""
        return self.source.layer if isinstance(self.source, Turn) else None

    def covers(self, moment: datetime) -> bool:
        return self.start <= moment < self.end
