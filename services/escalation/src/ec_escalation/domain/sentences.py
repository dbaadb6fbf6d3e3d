"""Each recorded event told in one sentence, the way the timeline and the
review report tell it. Pure."""

from __future__ import annotations

from typing import Any

_SUMMARIES = {
    "EscalationStarted": lambda d: f"started ({d['trigger']}): {d['reason']}",
    "EscalationManagerAssigned": lambda d: f"manager: {d['manager']['name']}",
    "RecordLinked": lambda d: f"linked {d['kind']} {d['ref']}",
    "EscalationTeamAssigned": lambda d: f"team of {len(d['members'])} appointed",
    "CommunicationContactsSet": lambda d: (
        f"contacts set: {len(d['provider'])} provider, {len(d['customer'])} customer"
    ),
    "SituationAssessed": lambda d: f"assessed: {d['summary']}",
    "PlanRevised": lambda d: f"plan version {d['plan_version']}: {d['reason']}{_plan_override(d)}",
    "EscalationLevelRaised": lambda d: (
        f"raised to level {d['to_level']}"
        f"{' automatically' if d['automatic'] else ''}: {d['reason']}"
    ),
    "ProgressReported": lambda d: f"progress: {d['note']} (next update by {d['next_update_due']})",
    "MonitoringStarted": lambda d: (
        f"resolved; monitoring round {d['round']} until {d['ends_at']}; {_which(d, 'confirmed_by')}"
    ),
    "EscalationReopened": lambda d: f"reopened: {d['note']}",
    "MonitoringPassed": lambda d: f"monitoring round {d['round']} passed",
    "EscalationClosed": lambda d: (
        f"closed, agreed by {d['customer_agreement']['by']}; {_which(d, 'agreed_by')}"
    ),
    "CustomerAgreedToPlan": lambda d: _act(d, f"agreed to plan version {d['plan_version']}"),
    "CustomerDeclinedPlan": lambda d: _act(d, f"declined plan version {d['plan_version']}"),
    "CustomerConfirmedResolution": lambda d: _act(d, "confirmed the resolution"),
    "CustomerReportedRecurrence": lambda d: _act(d, "reported a recurrence"),
    "CustomerAgreedToClosure": lambda d: _act(d, "agreed to closure"),
    "CustomerAskedForLink": lambda d: _act(d, "asked for a new link, sent to them by mail"),
    "EscalationReviewed": lambda d: f"reviewed: {d['findings']}",
    "EscalationWithdrawn": lambda d: f"withdrawn: {d['reason']}",
    "EscalationDetailsCorrected": lambda d: _corrected(d),
    "DeadlineMissed": lambda d: f"missed the {d['kind'].replace('_', ' ')} due {d['due_at']}",
}


def _act(data: dict[str, Any], what: str) -> str:
    contact = data["contact"]
    words = data.get("comment") or data.get("note")
    said = f": {words}" if words else ""
    issuer = data.get("via_link_issued_by")
    # A link issued by hand may have been used by its issuer: the sentence says so.
    via = f" (through a link issued by {issuer}, not one mailed to them)" if issuer else ""
    return f"customer {contact['name']} <{contact['email']}> {what}{via}{said}"


def _which(data: dict[str, Any], customer_field: str) -> str:
    """Whether the customer's own act or an operator's override stands behind it."""
    if data.get(customer_field):
        contact = data[customer_field]
        return f"by the customer {contact['name']} <{contact['email']}>"
    if data.get("override_reason"):
        return f"operator override: {data['override_reason']}"
    return "recorded by an operator"


def _plan_override(data: dict[str, Any]) -> str:
    reason = data.get("agreement_override_reason")
    return f" (agreed by operator override: {reason})" if reason else ""


def _corrected(data: dict[str, Any]) -> str:
    def said(value: Any) -> str:
        if isinstance(value, dict):
            return f"{value['name']} ({value['id']})"
        return "none" if value is None else str(value)

    changes = [
        f"{name} {said(data[name]['old'])} -> {said(data[name]['new'])}"
        for name in ("title", "priority", "customer", "service")
        if data.get(name)
    ]
    return f"corrected {', '.join(changes)}: {data['reason']}"


def describe(event_type: str, data: dict[str, Any]) -> str:
    """One event in a sentence, as the timeline tells it."""
    summary = _SUMMARIES.get(event_type)
    return summary(data) if summary else event_type
