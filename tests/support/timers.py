"""What a fired timer, as GET /v1/timers shows it, must have done."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

# How long after a timer was both due and known to the monitor it may fire: an
# order of magnitude over the milliseconds it takes (make bench measures that),
# so that only a timer the monitor left waiting fails a test, never a busy machine.
LEFT_WAITING_AFTER = timedelta(seconds=30)


def assert_fired_when_due(timer: dict[str, Any]) -> None:
    """Never before its due time, and not left waiting once it was due. A timer
    cannot fire before the monitor knows of it, and on a busy machine the events
    that set it may arrive after its due time: judge it from when it was set."""
    due_at = datetime.fromisoformat(timer["due_at"])
    known_at = max(due_at, datetime.fromisoformat(timer["created_at"]))
    fired_at = datetime.fromisoformat(timer["fired_at"])
    assert fired_at >= due_at, f"a timer fired before it was due: {timer}"
    assert fired_at - known_at < LEFT_WAITING_AFTER, f"a timer was left waiting: {timer}"
