"""What a customer contact sees of their escalation, in their words. Pure.

Nothing internal: no team notes, assessments, internal names (action owners,
the manager) unless the provider chose to show them, no operator ids."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ec_escalation.domain.state import Escalation
from ec_events import escalations as e

STATUS_WORDS = {
    "active": "We are working on it",
    "monitoring": "Resolved; we are watching that it stays so",
    "monitoring_passed": "Resolved and stable; ready to close with your agreement",
    "closed": "Closed",
    "reviewed": "Closed and reviewed",
    "withdrawn": "Withdrawn (opened by mistake)",
}
LEVEL_WORDS = {
    1: "Level 1: service management is on it",
    2: "Level 2: our directors are involved",
    3: "Level 3: our executives are involved",
}
ACT_WORDS = {
    "CustomerAgreedToPlan": "agreed to plan version {v}",
    "CustomerDeclinedPlan": "declined plan version {v}",
    "CustomerConfirmedResolution": "confirmed that it is resolved",
    "CustomerReportedRecurrence": "reported that the problem is back",
    "CustomerAgreedToClosure": "agreed to close the escalation",
}


def level_words(level: int) -> str:
    return LEVEL_WORDS.get(level, f"Level {level}: our most senior management is involved")


def customer_view(
    escalation: Escalation,
    plans: Sequence[e.PlanRevised],
    *,
    contact_email: str,
    show_names: bool = False,
) -> dict[str, Any]:
    email = contact_email.lower()
    contact = next(c for c in escalation.customer_contacts if c.email.lower() == email)
    mine = [a for a in escalation.customer_acts if a.contact.email.lower() == email]
    plan = escalation.plan
    seen = max((a.plan_version or 0 for a in mine if a.plan_version), default=0)
    earlier = next((p for p in plans if p.plan_version == seen), None)
    progress = escalation.last_progress
    return {
        "escalation_id": str(escalation.id),
        "title": escalation.title,
        "contact": {"name": contact.name, "email": contact.email},
        "state": escalation.status,
        "state_words": STATUS_WORDS[escalation.status],
        "level": escalation.level,
        "level_words": level_words(escalation.level),
        "manager": escalation.manager.name if show_names and escalation.manager else None,
        "latest_progress": progress.note if progress else None,
        "next_update_due": progress.next_update_due.isoformat() if progress else None,
        "plan": _plan(plan, show_names) if plan else None,
        "plan_changes": _changes(earlier, plan)
        if plan and earlier and seen != plan.plan_version
        else [],
        "plan_version_last_seen": seen or None,
        "monitoring_period": _period(escalation),
        "monitoring_ends_at": escalation.monitoring_ends_at.isoformat()
        if escalation.monitoring_ends_at
        else None,
        "history": [
            {
                "at": a.at.isoformat(),
                "by": a.contact.name,
                "what": ACT_WORDS[a.kind].format(v=a.plan_version),
                "words": a.words,
            }
            for a in escalation.customer_acts
        ],
        "can": _can(escalation),
    }


def _plan(plan: e.PlanRevised, show_names: bool) -> dict[str, Any]:
    return {
        "version": plan.plan_version,
        "agreed": plan.customer_agreed,
        "review_by": plan.review_by.isoformat(),
        "actions": [
            {"title": a.title, "due": a.due.isoformat(), "owner": a.owner if show_names else None}
            for a in plan.actions
        ],
    }


def _changes(earlier: e.PlanRevised, now: e.PlanRevised) -> list[str]:
    before = {a.title: a for a in earlier.actions}
    after = {a.title: a for a in now.actions}
    changes = [f"added: {t}" for t in after if t not in before]
    changes += [f"removed: {t}" for t in before if t not in after]
    changes += [
        f"new due date for: {t}" for t in after if t in before and before[t].due != after[t].due
    ]
    return changes


def _period(escalation: Escalation) -> str | None:
    period = escalation.monitoring_period
    if period is None:
        return None
    hours = period.total_seconds() / 3600
    return f"{hours:g} hours" if hours < 48 else f"{hours / 24:g} days"


def _can(escalation: Escalation) -> list[str]:
    """The acts the page offers now."""
    status = escalation.status
    can: list[str] = []
    if status in ("active", "monitoring") and escalation.plan is not None:
        can += ["agree_plan", "decline_plan"]
    if status == "active":
        can.append("confirm_resolution")
    if status in ("monitoring", "monitoring_passed"):
        can += ["report_recurrence", "agree_closure"]
    return can
