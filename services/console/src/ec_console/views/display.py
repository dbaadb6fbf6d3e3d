"""How times, deadlines and states read on a page: pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

STATE_LABELS = {
    "active": "Active",
    "monitoring": "Monitoring",
    "monitoring_passed": "Monitoring passed",
    "closed": "Closed",
    "reviewed": "Reviewed",
    "withdrawn": "Withdrawn",
}
OPEN_STATES = ("active", "monitoring", "monitoring_passed")
ALL_STATES = (*OPEN_STATES, "closed", "reviewed")
DEADLINE_LABELS = {
    "review_by": "plan review",
    "next_update_due": "next update",
    "monitoring_ends_at": "end of monitoring",
}


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def span(seconds: float) -> str:
    """3d 4h, 2h 05m, 12m, 40s."""
    seconds = int(abs(seconds))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m"
    return f"{secs}s"


def since(value: str | None, now: datetime) -> str:
    moment = parse_time(value)
    return span((now - moment).total_seconds()) if moment else "—"


def countdown(value: str | None, now: datetime) -> str:
    moment = parse_time(value)
    if moment is None:
        return "—"
    left = (moment - now).total_seconds()
    return f"in {span(left)}" if left >= 0 else f"overdue {span(left)}"


def clock(value: str | None) -> str:
    """An absolute time, in UTC, as people on a bridge call say it."""
    moment = parse_time(value)
    return moment.astimezone(UTC).strftime("%a %d %b %H:%M UTC") if moment else "—"


@dataclass(frozen=True)
class Deadline:
    kind: str
    due: str

    @property
    def label(self) -> str:
        return DEADLINE_LABELS[self.kind]

    def overdue(self, now: datetime) -> bool:
        moment = parse_time(self.due)
        return moment is not None and moment < now


def deadlines(item: dict[str, Any]) -> list[Deadline]:
    """The deadlines that still matter in the escalation's state, soonest first."""
    state = item.get("state")
    kinds: tuple[str, ...] = ()
    if state == "active":
        kinds = ("review_by", "next_update_due")
    elif state == "monitoring":
        kinds = ("review_by", "next_update_due", "monitoring_ends_at")
    found = [Deadline(k, item[k]) for k in kinds if item.get(k)]
    return sorted(found, key=lambda d: parse_time(d.due) or datetime.max.replace(tzinfo=UTC))


def next_deadline(item: dict[str, Any]) -> Deadline | None:
    found = deadlines(item)
    return found[0] if found else None


def is_overdue(item: dict[str, Any], now: datetime) -> bool:
    return any(d.overdue(now) for d in deadlines(item))


def actor_text(actor: Any) -> str:
    if isinstance(actor, dict):
        return f"{actor.get('name')} ({actor.get('role')})"
    return str(actor)


PLATFORM_NAMES = {"servicenow": "ServiceNow", "jira": "Jira", "pagerduty": "PagerDuty"}


def platform_label(record: Any) -> str:
    """A platform record as its people know it: ServiceNow INC0012345, Jira
    SUP-42, PagerDuty #1234 (the record's id where it has no number)."""
    if not isinstance(record, dict):
        return ""
    platform = str(record.get("platform"))
    name = PLATFORM_NAMES.get(platform, platform)
    number = record.get("number")
    if number and platform == "pagerduty":
        return f"{name} #{number}"
    return f"{name} {number or record.get('record_id')}"


def incident_platforms(escalation: dict[str, Any]) -> dict[str, str]:
    """Each of an escalation's incidents that has a platform record, labelled."""
    return {
        str(item["incident_id"]): platform_label(item["record"])
        for item in escalation.get("incident_records") or ()
    }


def link_platform(link: dict[str, Any]) -> str:
    """Where a linked record lives: the platform alone when the link already
    shows the number people know it by."""
    record = link.get("platform_record")
    if not isinstance(record, dict):
        return ""
    label = platform_label(record)
    known_as = record.get("number") or record.get("record_id")
    if known_as == link.get("ref"):
        return "on " + PLATFORM_NAMES.get(str(record.get("platform")), str(record.get("platform")))
    return label
