"""One layer on its own: whose turn it is, and when its restrictions let anyone be on duty."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ec_escalation.domain.duty.restrictions import DailyWindow, Weekday
from ec_escalation.domain.duty.rotas import Layer, Shift, Turn
from ec_escalation.domain.duty.wall_clock import instant, local_day, next_day

Span = tuple[datetime, datetime]
_MIDNIGHT = time(0, 0)


def hand_off(layer: Layer, number: int) -> datetime:
    """When turn `number` starts: the hand-off time on its first day, on the layer's clock."""
    day = layer.start + timedelta(days=number * layer.rotation.days)
    return instant(day, layer.hand_off, layer.tz)


def turn_at(layer: Layer, moment: datetime) -> int | None:
    """The number of the turn running at `moment`; None before the layer's first hand-off."""
    if moment < hand_off(layer, 0):
        return None
    days_in = (local_day(moment, layer.tz) - layer.start).days
    number = max(0, days_in // layer.rotation.days)
    while number > 0 and hand_off(layer, number) > moment:
        number -= 1
    while hand_off(layer, number + 1) <= moment:
        number += 1
    return number


def person_of(layer: Layer, number: int) -> str:
    return layer.people[number % len(layer.people)]


def turn_shift(layer: Layer, number: int, start: datetime, end: datetime) -> list[Shift]:
    """Turn `number` within `start`..`end`, less what the layer's restrictions leave out."""
    person, turn = person_of(layer, number), Turn(layer=layer.name, number=number)
    return [Shift(person, a, b, turn) for a, b in allowed(layer, start, end)]


def layer_shifts(layer: Layer, start: datetime, end: datetime) -> list[Shift]:
    """What this layer alone would put on duty from `start` up to `end`, cut at both."""
    number = turn_at(layer, start) or 0
    begins = hand_off(layer, number)
    found: list[Shift] = []
    while begins < end:
        ends = hand_off(layer, number + 1)
        if max(begins, start) < min(ends, end):
            found += turn_shift(layer, number, max(begins, start), min(ends, end))
        number, begins = number + 1, ends
    return found


def layer_shift_at(layer: Layer, moment: datetime) -> Shift | None:
    """The whole stretch this layer alone has someone on duty around `moment`, if any."""
    number = turn_at(layer, moment)
    if number is None:
        return None
    whole_turn = turn_shift(layer, number, hand_off(layer, number), hand_off(layer, number + 1))
    return next((shift for shift in whole_turn if shift.covers(moment)), None)


def allowed(layer: Layer, start: datetime, end: datetime) -> list[Span]:
    """The parts of `start`..`end` that the layer's restrictions leave open, joined up."""
    restrictions = layer.restrictions
    if not restrictions.restricts:
        return [(start, end)] if start < end else []
    zone = layer.tz
    # A window that starts the day before can reach past midnight into `start`.
    day, last = local_day(start, zone) - timedelta(days=1), local_day(end, zone)
    spans: list[Span] = []
    while day <= last:
        if Weekday(day.weekday()) in restrictions.days:
            opens, closes = _open_on(day, restrictions.window, zone)
            if max(opens, start) < min(closes, end):
                spans.append((max(opens, start), min(closes, end)))
        day = next_day(day)
    return _joined(spans)


def _open_on(day: date, window: DailyWindow | None, zone: ZoneInfo) -> Span:
    """When the restrictions open and close for the window starting on `day`."""
    if window is None:
        return instant(day, _MIDNIGHT, zone), instant(next_day(day), _MIDNIGHT, zone)
    closing_day = day if window.start < window.end else next_day(day)
    return instant(day, window.start, zone), instant(closing_day, window.end, zone)


def _joined(spans: list[Span]) -> list[Span]:
    joined: list[Span] = []
    for opens, closes in sorted(spans):
        if joined and opens <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(closes, joined[-1][1]))
        else:
            joined.append((opens, closes))
    return joined
