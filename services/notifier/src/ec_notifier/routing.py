"""Who hears of an escalation event, on which channel, with which words. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from ec_events.base import Event
from ec_events.escalations import EscalationEvent, EscalationStarted

LOG_CHANNEL = "log"
OPERATIONS_LOG = "operations-log"


@dataclass(frozen=True)
class Notice:
    channel: str
    recipient: str
    subject: str
    body: str


def notices_for(event: Event) -> list[Notice]:
    """Every escalation event goes to the operations log; richer routing comes
    from configuration (contacts, team, management lists)."""
    if not isinstance(event, EscalationEvent):
        return []
    subject, body = render(event)
    return [Notice(LOG_CHANNEL, OPERATIONS_LOG, subject, body)]


def render(event: EscalationEvent) -> tuple[str, str]:
    if isinstance(event, EscalationStarted):
        who = event.customer.name if event.customer else "an unnamed customer"
        return (
            f"Escalation started: {event.title}",
            f"An escalation was started for {who} ({event.priority or 'no priority'}).\n"
            f"Why: {event.reason}.\nLevel: {event.level}.",
        )
    name = event.event_name()
    return (f"Escalation update: {name}", f"Escalation {event.escalation_id}: {name}.")
