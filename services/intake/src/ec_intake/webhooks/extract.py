"""Reading values out of JSON payloads without trusting their shape."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from ec_intake.webhooks.errors import InvalidPayload

V = TypeVar("V")

# Where platforms put an identifier or a human name inside an object:
# ServiceNow references {"value", "display_value"}, Jira {"id", "key", "name"},
# PagerDuty references {"id", "summary"}.
_ID_KEYS = ("value", "id", "key", "name", "display_value", "summary")
_NAME_KEYS = ("display_value", "name", "summary", "displayName", "title", "value", "key", "id")
_TRUE = frozenset({"true", "yes", "y", "1", "on"})
_FALSE = frozenset({"false", "no", "n", "0", "off", ""})
# Seconds this large would be after the year 5000: such a number counts milliseconds.
_MILLISECONDS_FROM = 100_000_000_000


def dig(data: Any, path: str) -> Any:
    """The value at a dotted path (numeric segments index lists), or None."""
    for segment in path.split("."):
        if isinstance(data, Mapping):
            data = data.get(segment)
        elif isinstance(data, Sequence) and not isinstance(data, str) and segment.isdigit():
            index = int(segment)
            data = data[index] if index < len(data) else None
        else:
            return None
    return data


def present(value: Any) -> bool:
    """Not null, not blank, not only empties (zero and false are present)."""
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, Mapping):
        # A ServiceNow reference to nothing is {"value": "", "display_value": ""}.
        return any(present(item) for item in value.values())
    if isinstance(value, Sequence):
        return any(present(item) for item in value)
    return value is not None


def first_present(data: Any, paths: str | Sequence[str]) -> tuple[str, Any] | None:
    """The first of `paths` that holds a value, and that value."""
    for path in (paths,) if isinstance(paths, str) else paths:
        value = dig(data, path)
        if present(value):
            return path, value
    return None


def _text(value: Any, keys: tuple[str, ...]) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, Mapping):
        for key in keys:
            found = _text(value.get(key), keys)
            if found:
                return found
        return None
    if isinstance(value, Sequence) and value:
        return _text(value[0], keys)
    return None


def as_id(value: Any) -> str | None:
    """A scalar, or the identifier inside a reference object or the first of a list."""
    return _text(value, _ID_KEYS)


def as_name(value: Any) -> str | None:
    """A scalar, or the human name inside a reference object or the first of a list."""
    return _text(value, _NAME_KEYS)


def as_bool(value: Any, where: str) -> bool | None:
    """Booleans, their usual spellings, and Jira Service Management SLA fields
    (breached when any completed or the ongoing cycle breached)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Mapping) and ("ongoingCycle" in value or "completedCycles" in value):
        cycles = [*(value.get("completedCycles") or ()), value.get("ongoingCycle") or {}]
        return any(isinstance(c, Mapping) and c.get("breached") is True for c in cycles)
    text = as_id(value) or ""
    if text.lower() in _TRUE | _FALSE:
        return text.lower() in _TRUE
    raise InvalidPayload(where, f"expected true or false, got {text!r}")


def as_int(value: Any, where: str) -> int | None:
    text = as_id(value)
    if text is None:
        return None
    try:
        return int(float(text)) if "." in text else int(text)
    except (ValueError, OverflowError):
        raise InvalidPayload(where, f"expected a whole number, got {text!r}") from None


def as_time(value: Any, where: str) -> datetime | None:
    """ISO 8601 (`Z`, `+00:00` or `+0000`), ServiceNow's `YYYY-MM-DD hh:mm:ss`, or
    a Unix time in seconds or (Jira's `timestamp`) milliseconds. A time without a
    zone is UTC, as ServiceNow stores it."""
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            seconds = value / 1000 if abs(value) >= _MILLISECONDS_FROM else value
            return datetime.fromtimestamp(seconds, tz=UTC)
        text = as_id(value)
        parsed = datetime.fromisoformat(text) if text is not None else None
    except (ValueError, OverflowError, OSError):
        raise InvalidPayload(where, f"not an ISO 8601 time: {value!r}") from None
    if parsed is None or parsed.tzinfo:
        return parsed
    return parsed.replace(tzinfo=UTC)


def lookup(table: Mapping[str, V], *candidates: str | None) -> V | None:
    """The entry for the first candidate the table has, exactly or ignoring case."""
    folded = {key.casefold(): entry for key, entry in table.items()}
    for candidate in candidates:
        if candidate is None:
            continue
        if candidate in table:
            return table[candidate]
        if candidate.casefold() in folded:
            return folded[candidate.casefold()]
    return None


def require_mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidPayload(where, "expected a JSON object")
    return value


def joined(prefix: str, path: str) -> str:
    return f"{prefix}.{path}" if prefix else path
