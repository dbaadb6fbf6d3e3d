"""Who is on duty: now, over a window, and when a given person is next.

Overrides beat every layer (the last listed wins among them); among layers, the highest
one with someone on duty wins. Where nobody is on duty the timeline has a gap, left as a
gap so that callers can alert on it. Every time comes back in UTC.

Hand-offs happen at the layer's wall-clock time in its own zone, day after day, so a daily
turn across the spring change is 23 hours long and across the autumn change 25. A hand-off
time that the spring change skips happens at the first moment after it that exists; one the
autumn change repeats happens the first time (fold=0).
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise

from ec_escalation.domain.duty.errors import InvalidRota, require_aware
from ec_escalation.domain.duty.rotas import Override, Rota, Shift
from ec_escalation.domain.duty.turns import layer_shift_at, layer_shifts


def on_duty(rota: Rota, at: datetime) -> Shift | None:
    """The shift running at `at`, whole (from when, to when, through what); None in a gap."""
    require_aware(at, "the moment asked about")
    at = at.astimezone(UTC)
    winner = _winner_at(rota, at)
    if winner is None:
        return None
    # The shift cannot outlast the stretch its turn or override has someone on duty.
    return next(shift for shift in _timeline(rota, winner.start, winner.end) if shift.covers(at))


def shifts(rota: Rota, start: datetime, end: datetime) -> list[Shift]:
    """Every shift running at some moment from `start` up to `end`, in order, each whole.

    The first and the last may begin before `start` or end after `end`: a shift keeps its
    true extent whatever window it is seen through. Shifts never overlap; between them may
    lie gaps, when nobody is on duty.
    """
    require_aware(start, "the window's start")
    require_aware(end, "the window's end")
    if end <= start:
        raise InvalidRota(f"a window ends after it starts: {start} to {end}")
    timeline = _timeline(rota, start.astimezone(UTC), end.astimezone(UTC))
    if not timeline:
        return []
    # Only the ends can be cut by the window; the shift running at their start is whole.
    for index in {0, len(timeline) - 1}:
        whole = on_duty(rota, timeline[index].start)
        assert whole is not None, "a shift seen in the window runs at its own start"
        timeline[index] = whole
    return timeline


def upcoming(rota: Rota, person: str, start: datetime, end: datetime) -> list[Shift]:
    """The shifts of `person` running at some moment from `start` up to `end`, in order."""
    return [shift for shift in shifts(rota, start, end) if shift.person == person]


def _winner_at(rota: Rota, at: datetime) -> Shift | None:
    for override in reversed(rota.overrides):
        if override.start <= at < override.end:
            return _override_shift(override, override.start, override.end)
    for layer in reversed(rota.layers):
        found = layer_shift_at(layer, at)
        if found is not None:
            return found
    return None


def _override_shift(override: Override, start: datetime, end: datetime) -> Shift:
    return Shift(override.person, start, end, override)


def _timeline(rota: Rota, start: datetime, end: datetime) -> list[Shift]:
    """Who is on duty from `start` up to `end`, cut at both ends, lowest priority first."""
    tiers = [layer_shifts(layer, start, end) for layer in rota.layers]
    tiers += [
        [_override_shift(override, max(override.start, start), min(override.end, end))]
        for override in rota.overrides
        if override.start < end and start < override.end
    ]
    cuts = sorted(
        {start, end} | {edge for tier in tiers for s in tier for edge in (s.start, s.end)}
    )
    # Each tier's shifts are in order and apart, so one cursor per tier walks it once.
    cursors = [0] * len(tiers)
    timeline: list[Shift] = []
    for opens, closes in pairwise(cuts):
        winner = _top_at(tiers, cursors, opens)
        if winner is None:
            continue
        last = timeline[-1] if timeline else None
        if last and last.end == opens and (last.person, last.source) == _who(winner):
            timeline[-1] = Shift(last.person, last.start, closes, last.source)
        else:
            timeline.append(Shift(winner.person, opens, closes, winner.source))
    return timeline


def _top_at(tiers: list[list[Shift]], cursors: list[int], moment: datetime) -> Shift | None:
    """The shift of the highest tier running at `moment`; moments must come in order."""
    for tier_index in reversed(range(len(tiers))):
        tier = tiers[tier_index]
        while cursors[tier_index] < len(tier) and tier[cursors[tier_index]].end <= moment:
            cursors[tier_index] += 1
        if cursors[tier_index] < len(tier) and tier[cursors[tier_index]].start <= moment:
            return tier[cursors[tier_index]]
    return None


def _who(shift: Shift) -> tuple[str, object]:
    return shift.person, shift.source
