"""Which timers an escalation event sets or cancels. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

from ec_events.base import Event
from ec_events.escalations import EscalationStarted

TimerKind = Literal["monitoring_period", "plan_review", "progress_update", "auto_raise"]


@dataclass(frozen=True)
class TimerRequest:
    escalation_id: UUID
    kind: TimerKind
    due_at: datetime
    level: int | None = None
    round: int | None = None


@dataclass(frozen=True)
class RaisePolicy:
    """How long each level may go without progress before the next is asked for."""

    after: tuple[timedelta, ...]

    def due(self, level: int, since: datetime) -> datetime | None:
        if level < 1 or level > len(self.after):
            return None  # the top level: nothing higher to ask for
        return since + self.after[level - 1]


def timers_for(event: Event, policy: RaisePolicy) -> list[TimerRequest]:
    if isinstance(event, EscalationStarted):
        due = policy.due(event.level, event.started_at)
        if due is None:
            return []
        return [TimerRequest(event.escalation_id, "auto_raise", due, level=event.level)]
    return []
