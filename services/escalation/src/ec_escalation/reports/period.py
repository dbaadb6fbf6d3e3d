"""The escalation report: escalations' measures grouped and summed up, and the
same as CSV. Pure.

Withdrawn escalations were started by mistake: they are counted as such and
left out of every other figure. Time in state is summed up over the open
escalations only (how long each has been where it is now)."""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from ec_escalation.domain.measures import DURATIONS, Measures, Trail

Grouping = Literal["customer", "service", "manager", "level", "criteria", "week"]
NONE = "none"
TOTAL = "total"
COUNTS = (
    "started",
    "closed",
    "closed_with_agreement",
    "open",
    "withdrawn",
    "recurrences",
    "monitoring_passed",
    "raises_manual",
    "raises_automatic",
    "missed_plan_review",
    "missed_progress_update",
    "problem_inputs",
)
STATISTICS = ("median", "p90", "max")
WEEK = timedelta(weeks=1)


def week_of(moment: datetime) -> datetime:
    """The Monday 00:00 UTC that begins the ISO week of the moment."""
    day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def weeks_between(start: datetime, until: datetime) -> list[str]:
    """Every week that has a moment in [start, until), as its Monday's date."""
    monday, weeks = week_of(start), []
    while monday < until:
        weeks.append(monday.date().isoformat())
        monday += WEEK
    return weeks


_KEYS: dict[str, Callable[[Trail], tuple[str, ...]]] = {
    "customer": lambda t: (t.customer_id or NONE,),
    "service": lambda t: (t.service or NONE,),
    "manager": lambda t: (t.manager_id or NONE,),
    "level": lambda t: (str(t.level),),
    # An escalation started by several rules counts under each of them.
    "criteria": lambda t: t.criteria or (NONE,),
    "week": lambda t: (week_of(t.started_at).date().isoformat(),),
}


def percentile(ordered: Sequence[float], share: float) -> float:
    """The nearest-rank percentile of values in ascending order: the smallest
    value with at least `share` of them at or below it."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summary(values: Iterable[float | None]) -> dict[str, float | None]:
    """Median, 90th percentile and maximum of the values known (None ignored)."""
    ordered = sorted(v for v in values if v is not None)
    if not ordered:
        return dict.fromkeys(STATISTICS)
    return {
        "median": statistics.median(ordered),
        "p90": percentile(ordered, 0.9),
        "max": ordered[-1],
    }


def duration_names(levels: Iterable[int]) -> list[str]:
    return [*DURATIONS, *(f"time_at_level_{level}" for level in sorted(set(levels)))]


def _durations(measured: Measures) -> dict[str, float | None]:
    values = dict(measured.durations)
    if not measured.is_open:
        values["time_in_state"] = None
    for level, seconds in measured.time_at_level.items():
        values[f"time_at_level_{level}"] = seconds
    return values


def _counts(items: Sequence[Measures], withdrawn: int) -> dict[str, int]:
    trails = [m.trail for m in items]
    summed = (
        "recurrences",
        "monitoring_passed",
        "raises_manual",
        "raises_automatic",
        "missed_plan_review",
        "missed_progress_update",
        "problem_inputs",
    )
    return {
        "started": len(trails),
        "closed": sum(t.closed_at is not None for t in trails),
        "closed_with_agreement": sum(t.closed_with_agreement for t in trails),
        "open": sum(m.is_open for m in items),
        "withdrawn": withdrawn,
        **{name: sum(getattr(t, name) for t in trails) for name in summed},
    }


def aggregate(items: Sequence[Measures], names: Sequence[str]) -> dict[str, Any]:
    """Counts and, for each duration named, its median, p90 and max."""
    kept = [m for m in items if m.trail.status != "withdrawn"]
    values = [_durations(m) for m in kept]
    return {
        "counts": _counts(kept, withdrawn=len(items) - len(kept)),
        "durations": {name: summary(v.get(name) for v in values) for name in names},
    }


def _order(key: str) -> tuple[int, int, str]:
    return (0, int(key), "") if key.isdigit() else (1, 0, key)


def report(
    items: Sequence[Measures], group_by: Grouping, *, every: Iterable[str] = ()
) -> dict[str, Any]:
    """Per group (in order of its key) and in total; each group in `every` is
    there even without escalations (the weeks of a period, for a trend)."""
    names = duration_names(level for m in items for level in m.time_at_level)
    groups: dict[str, list[Measures]] = {key: [] for key in every}
    for measured in items:
        for key in _KEYS[group_by](measured.trail):
            groups.setdefault(key, []).append(measured)
    return {
        "group_by": group_by,
        "groups": [
            {"group": key, **aggregate(groups[key], names)} for key in sorted(groups, key=_order)
        ],
        "totals": aggregate(items, names),
    }


def as_csv(answer: dict[str, Any]) -> str:
    """One row per group and a last row of the totals (its group is `total`)."""
    names = list(answer["totals"]["durations"])
    header = [
        answer["group_by"],
        *COUNTS,
        *(f"{name}_{stat}" for name in names for stat in STATISTICS),
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    rows = [*answer["groups"], {"group": TOTAL, **answer["totals"]}]
    for row in rows:
        durations = row["durations"]
        writer.writerow(
            [
                text_cell(str(row["group"])),
                *(row["counts"][name] for name in COUNTS),
                *(_cell(durations[name][stat]) for name in names for stat in STATISTICS),
            ]
        )
    return out.getvalue()


# What a spreadsheet reads as the start of a formula (tab and CR included,
# which some strip before looking).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text_cell(text: str) -> str:
    """A text cell a spreadsheet keeps as text: a customer id, a service or a
    name is whatever someone typed, and `=HYPERLINK(...)` must not become a
    live formula. Numeric columns are written as numbers and never pass here,
    so a negative figure stays a number."""
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def _cell(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
