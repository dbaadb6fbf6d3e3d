"""How the review report says durations, moments and measures. Pure."""

from __future__ import annotations

from datetime import UTC, datetime

from ec_events.base import Contact, PlatformRecord

MINUTE, HOUR, DAY = 60, 3_600, 86_400
NOTHING = "—"

MEASURE_LABELS = {
    "time_to_escalate": "Incident to escalation",
    "time_to_manager": "Start to a manager",
    "time_to_team": "Start to a team",
    "time_to_assessment": "Start to the first assessment",
    "time_to_plan": "Start to the first plan",
    "time_to_agreed_plan": "Start to the first plan the customer agreed",
    "time_to_resolution": "Start to resolution (first monitoring period)",
    "time_to_closure": "Start to closure",
    "closure_to_review": "Closure to review",
    "time_in_state": "Time in its current state",
}


def in_words(seconds: float | None) -> str:
    """A duration as people say it: 40 s, 12 min, 2 h 15 min, 3 d 4 h.
    Below a day to the nearest minute, from a day on to the nearest hour."""
    if seconds is None:
        return NOTHING
    whole = round(abs(seconds))
    sign = "-" if seconds < 0 and whole else ""
    if whole < MINUTE:
        return f"{sign}{whole} s"
    minutes = round(whole / MINUTE)
    if minutes < DAY // MINUTE:
        hours, rest = divmod(minutes, 60)
        if hours == 0:
            return f"{sign}{rest} min"
        return f"{sign}{hours} h" + (f" {rest} min" if rest else "")
    days, hours = divmod(round(whole / HOUR), 24)
    return f"{sign}{days} d" + (f" {hours} h" if hours else "")


def measure_label(name: str) -> str:
    if name.startswith("time_at_level_"):
        return f"At level {name.removeprefix('time_at_level_')}"
    return MEASURE_LABELS.get(name, name.replace("_", " "))


def moment(at: datetime | None) -> str:
    """A moment in UTC (the report says so once), unambiguous on paper: 2026-03-02 09:30."""
    if at is None:
        return NOTHING
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


PLATFORM_NAMES = {"servicenow": "ServiceNow", "jira": "Jira", "pagerduty": "PagerDuty"}


def record_label(record: PlatformRecord | None) -> str:
    """A record on its ITSM platform as its people know it: ServiceNow PRB0040001."""
    if record is None:
        return NOTHING
    platform = PLATFORM_NAMES.get(record.platform, record.platform)
    return f"{platform} {record.number or record.record_id}"


def contact_label(contact: Contact) -> str:
    where = contact.email if contact.channel == "email" else f"{contact.channel} {contact.address}"
    return f"{contact.name} ({where})"


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


STATE_LABELS = {
    "active": "Active",
    "monitoring": "Monitoring",
    "monitoring_passed": "Monitoring passed",
    "closed": "Closed",
    "reviewed": "Reviewed",
    "withdrawn": "Withdrawn",
}
INPUT_LABELS = {
    "open_problem": "Open a problem record",
    "update_problem": "Update a problem record",
    "follow_up_action": "Follow-up action",
    "major_problem_review": "Major problem review",
}
