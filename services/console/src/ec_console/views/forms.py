"""A form as a page shows it: what was typed, and what each field was told.

Field names are the API's JSON paths (`manager.email`, `actions.0.due`), so a
422's `errors` list lands next to the input it is about."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.datastructures import FormData

from ec_platform.inputs import parse_count, parse_instant

# Time zones lie within 14 hours of UTC (a day either way is plenty).
MAX_OFFSET_MINUTES = 24 * 60


@dataclass
class FormState:
    name: str
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    message: str | None = None
    # A concurrent change: who changed the escalation since the page was rendered.
    stale: str | None = None
    # How many rows each repeated group shows (`members`, `actions`, …).
    rows: dict[str, int] = field(default_factory=dict)

    def value(self, key: str, default: Any = "") -> str:
        return self.values.get(key, "" if default is None else str(default))

    def count(self, prefix: str) -> range:
        typed = {
            int(k.split(".")[1])
            for k in self.values
            if k.startswith(f"{prefix}.") and k.split(".")[1].isdigit()
        }
        return range(max(self.rows.get(prefix, 2), max(typed, default=-1) + 1))

    def error(self, key: str) -> str | None:
        return self.errors.get(key)

    def unplaced_errors(self, known: set[str]) -> list[str]:
        return [f"{k}: {v}" for k, v in self.errors.items() if k not in known]


class Invalid(Exception):
    """Input the console can tell is wrong before asking the service."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = dict(errors)


def values_of(form: FormData) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str) and k not in ("csrf",)}


def text(values: Mapping[str, str], key: str) -> str:
    return values.get(key, "").strip()


def optional(values: Mapping[str, str], key: str) -> str | None:
    return text(values, key) or None


def lines(values: Mapping[str, str], key: str) -> list[str]:
    return [line.strip() for line in values.get(key, "").splitlines() if line.strip()]


def items(values: Mapping[str, str], key: str) -> list[str]:
    """A list typed as lines or commas."""
    raw = values.get(key, "").replace("\n", ",")
    return [part.strip() for part in raw.split(",") if part.strip()]


def local_time(values: Mapping[str, str], key: str) -> str | None:
    """A datetime-local input, in the browser's zone (its offset in `tz_offset`,
    minutes as JavaScript's getTimezoneOffset gives them; UTC without it)."""
    raw = text(values, key)
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise Invalid({key: "enter a date and time"}) from None
    try:
        if moment.tzinfo is None:
            moment = (moment + timedelta(minutes=_offset_minutes(values))).replace(tzinfo=UTC)
        # The same check the API applies: a moment that is no instant in UTC
        # (year 1 in +14:00) is the form's error, not a failed request.
        return parse_instant(moment).isoformat()
    except (OverflowError, ValueError):
        raise Invalid({key: "enter a date and time"}) from None


def _offset_minutes(values: Mapping[str, str]) -> int:
    """The browser's offset from UTC; 0 when it is not a plausible one."""
    offset = text(values, "tz_offset")
    minutes = parse_count(offset.removeprefix("-"), maximum=MAX_OFFSET_MINUTES)
    if minutes is None:
        return 0
    return -minutes if offset.startswith("-") else minutes


def rows(
    values: Mapping[str, str],
    prefix: str,
    fields: tuple[str, ...],
    *,
    count: int,
    defaulted: tuple[str, ...] = ("channel", "kind"),
) -> tuple[list[dict[str, str]], dict[int, int]]:
    """Rows `prefix.N.field` that are not blank, and which form row each became
    (so an error on `members.1.email` is shown on the row the person typed)."""
    found: list[dict[str, str]] = []
    placed: dict[int, int] = {}
    for n in range(count):
        row = {f: text(values, f"{prefix}.{n}.{f}") for f in fields}
        # A select that always holds a value (`channel`) does not make a row.
        if any(v for f, v in row.items() if f not in defaulted):
            placed[len(found)] = n
            found.append(row)
    return found, placed


def renumbered(errors: Mapping[str, str], prefix: str, placed: Mapping[int, int]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, message in errors.items():
        head, _, rest = key.partition(".")
        index, _, tail = rest.partition(".")
        if head == prefix and index.isdigit() and int(index) in placed:
            key = f"{prefix}.{placed[int(index)]}" + (f".{tail}" if tail else "")
        out[key] = message
    return out
