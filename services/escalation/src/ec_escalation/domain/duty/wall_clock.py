"""From a wall-clock time on a local day to the instant it names, across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_SECOND = timedelta(seconds=1)


def instant(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The UTC instant at which the clocks in `zone` show `clock` on `day`.

    A time that happens twice (the autumn change) names its first occurrence (fold=0). A
    time that never happens (the spring change skips it) names the first moment after it
    that does: the change itself, when the clocks jump past it.
    """
    local = datetime.combine(day, clock.replace(fold=0), tzinfo=zone)
    on_the_clock = local.astimezone(UTC)
    if on_the_clock.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
        return on_the_clock
    return _change_within(local, zone)


def _change_within(skipped: datetime, zone: ZoneInfo) -> datetime:
    """The instant the clocks jumped over `skipped`, a wall-clock time that never happened.

    Read with the offset before the change (fold=0) it lands after the change; read with
    the offset after it (fold=1), before. The change lies between: halve the span to the
    second, which is as fine as time zone rules go.
    """
    after = skipped.replace(fold=0).astimezone(UTC)
    before = skipped.replace(fold=1).astimezone(UTC)
    offset_after = after.astimezone(zone).utcoffset()
    while after - before > _SECOND:
        middle = before + (after - before) // 2
        if middle.astimezone(zone).utcoffset() == offset_after:
            after = middle
        else:
            before = middle
    return after


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    """The calendar day in `zone` at `moment`."""
    return moment.astimezone(zone).date()


def next_day(day: date) -> date:
    return day + timedelta(days=1)
