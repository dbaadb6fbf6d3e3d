"""When a layer has anyone on duty at all: days of the week and hours of the day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from enum import IntEnum

from ec_escalation.domain.duty.errors import InvalidRota


class Weekday(IntEnum):
    """Days of the week, numbered as `date.weekday()` numbers them."""

    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


EVERY_DAY: frozenset[Weekday] = frozenset(Weekday)
WEEKDAYS: frozenset[Weekday] = frozenset(Weekday) - {Weekday.SATURDAY, Weekday.SUNDAY}


@dataclass(frozen=True)
class DailyWindow:
    """Hours of the day on the layer's wall clock, from `start` up to `end`.

    An `end` at or before `start` reaches into the next day (22:00 to 06:00 is a night).
    """

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise InvalidRota("a daily window is read on the layer's clock: give no time zone")
        if self.start == self.end:
            raise InvalidRota("a daily window from a time to the same time is no window")


@dataclass(frozen=True)
class Restrictions:
    """When a layer has someone on duty at all: on these days, within this window.

    Days and hours are read on the layer's wall clock. A window belongs to the day it starts
    on, so a Friday night window reaches into Saturday. Restrictions never move hand-offs:
    a hand-off inside a window passes the rest of it to the next person.
    """

    days: frozenset[Weekday] = EVERY_DAY
    window: DailyWindow | None = None

    def __post_init__(self) -> None:
        if not self.days:
            raise InvalidRota("a layer restricted to no day at all never has anyone on duty")

    @property
    def restricts(self) -> bool:
        return self.days != EVERY_DAY or self.window is not None


NO_RESTRICTIONS = Restrictions()
