"""One escalation's page: what the four services say about it, read in parallel
with the user's token."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Any

from ec_console.data import outbox
from ec_console.data.services import Answer, Services
from ec_console.views.display import actor_text, clock, parse_time


@dataclass
class EscalationData:
    escalation: dict[str, Any]
    version: int
    events: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
    deliveries: list[dict[str, Any]] | None = None
    deliveries_error: str | None = None
    timers: list[dict[str, Any]] | None = None
    timers_error: str | None = None
    plans: list[dict[str, Any]] = field(default_factory=list)
    mails: list[dict[str, Any]] | None = None
    mails_error: str | None = None

    @property
    def flat(self) -> dict[str, Any]:
        """The deadlines as the board names them."""
        e = self.escalation
        return {
            "state": e["state"],
            "review_by": (e.get("plan") or {}).get("review_by"),
            "next_update_due": (e.get("last_progress") or {}).get("next_update_due"),
            "monitoring_ends_at": e.get("monitoring_ends_at"),
        }

    @property
    def auto_raise(self) -> dict[str, Any] | None:
        pending = [
            t for t in self.timers or [] if t["kind"] == "auto_raise" and t["status"] == "pending"
        ]
        return pending[0] if pending else None

    def deliveries_by(self, *statuses: str) -> list[dict[str, Any]]:
        """Newest first."""
        return [d for d in reversed(self.deliveries or []) if d["status"] in statuses]

    @property
    def state_since(self) -> str | None:
        from ec_console.data.statecache import state_entered_at

        return state_entered_at(self.events)


async def load(
    services: Services, token: str, escalation_id: str, *, as_of: str | None = None
) -> EscalationData | Answer:
    path = f"/v1/escalations/{escalation_id}"
    params = {"as_of": as_of} if as_of else None
    state, events, timeline, deliveries, timers, mails = await asyncio.gather(
        services.get("escalation", path, token=token, params=params),
        services.get("escalation", f"{path}/events", token=token),
        services.get("escalation", f"{path}/timeline", token=token),
        services.all_items(
            "notifier", "/v1/deliveries", token=token, params={"escalation_id": escalation_id}
        ),
        services.all_items(
            "monitor", "/v1/timers", token=token, params={"escalation_id": escalation_id}
        ),
        outbox.of_escalation(services, token, escalation_id),
    )
    if not state.ok:
        failed: Answer = state
        return failed
    stored = events.body.get("items", []) if events.ok else []
    told = timeline.body.get("items", []) if timeline.ok else []
    if as_of:
        moment = parse_time(as_of)
        stored = [
            e for e in stored if moment and (parse_time(e["recorded_at"]) or moment) <= moment
        ]
        told = [t for t in told if t["version"] <= int(state.body["version"])]
    data = EscalationData(
        escalation=state.body,
        version=int(state.body["version"]),
        events=stored,
        timeline=told_in_sentences(told, stored),
        plans=plan_history(stored),
    )
    data.deliveries, data.deliveries_error = _listed(deliveries)
    data.timers, data.timers_error = _listed(timers)
    data.mails, data.mails_error = mails
    if as_of and data.mails is not None:
        moment = parse_time(as_of)
        data.mails = [
            m for m in data.mails if moment and (parse_time(m["date"]) or moment) <= moment
        ]
    return data


def _listed(
    result: tuple[list[dict[str, Any]], Answer | None],
) -> tuple[list[dict[str, Any]] | None, str | None]:
    found, error = result
    return (None, error.detail) if error is not None else (found, None)


def changed_since(events: list[dict[str, Any]], version: int) -> str:
    """Who changed the escalation after `version`, in words."""
    later = [e for e in events if int(e["version"]) > version]
    if not later:
        return "someone"
    who = sorted({actor_text(e.get("actor")) for e in later})
    what = ", ".join(dict.fromkeys(_words(e["type"]) for e in later))
    return f"{' and '.join(who)} ({what})"


def _words(event_type: str) -> str:
    """PlanRevised -> plan revised."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", event_type).lower()


def _action_key(action: dict[str, Any]) -> str:
    return str(action.get("title", "")).strip().lower()


def _plan_changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    if before is None:
        return ["first version"]
    changes: list[str] = []
    old = {_action_key(a): a for a in before.get("actions", [])}
    new = {_action_key(a): a for a in after.get("actions", [])}
    for key, action in new.items():
        if key not in old:
            changes.append(
                f"added “{action['title']}” ({action['owner']}, due {clock(action['due'])})"
            )
            continue
        was = old[key]
        if was["owner"] != action["owner"]:
            changes.append(f"“{action['title']}”: owner {was['owner']} → {action['owner']}")
        if parse_time(was["due"]) != parse_time(action["due"]):
            changes.append(f"“{action['title']}”: due {clock(was['due'])} → {clock(action['due'])}")
    changes.extend(f"removed “{a['title']}”" for k, a in old.items() if k not in new)
    if before.get("customer_agreed") != after.get("customer_agreed"):
        agreed = "agreed" if after.get("customer_agreed") else "no longer agreed"
        changes.append(f"the customer {agreed}")
    if parse_time(before.get("review_by")) != parse_time(after.get("review_by")):
        changes.append(
            f"review by {clock(before.get('review_by'))} → {clock(after.get('review_by'))}"
        )
    gained = set(after.get("resources", [])) - set(before.get("resources", []))
    lost = set(before.get("resources", [])) - set(after.get("resources", []))
    changes.extend(f"resource added: {r}" for r in sorted(gained))
    changes.extend(f"resource dropped: {r}" for r in sorted(lost))
    return changes or ["no change in actions, resources or agreement"]


def plan_history(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every plan version, newest first, with what changed from the one before."""
    versions: list[dict[str, Any]] = []
    previous: dict[str, Any] | None = None
    for event in events:
        if event.get("type") != "PlanRevised":
            continue
        data = event["data"]
        versions.append(
            {
                **data,
                "by": actor_text(event.get("actor")),
                "at": event["recorded_at"],
                "changes": _plan_changes(previous, data),
            }
        )
        previous = data
    said = _customer_said(events)
    for version in versions:
        answer = said.get(version["plan_version"])
        if answer is not None:
            agreed, who, via = answer
            version["customer_agreed"], version["customer_answer"] = agreed, who
            if via:
                version["customer_answer_via"] = via
    return list(reversed(versions))


def _customer_said(events: list[dict[str, Any]]) -> dict[int, tuple[bool, str, str | None]]:
    """Each plan version's last answer from the customer on their page: agreed
    or not, who said it, and who issued the link it came through when that was
    someone's hand rather than a mail."""
    said: dict[int, tuple[bool, str, str | None]] = {}
    for event in events:
        kind = event.get("type")
        if kind not in ("CustomerAgreedToPlan", "CustomerDeclinedPlan"):
            continue
        data = event["data"]
        who = f"{data['contact']['name']} <{data['contact']['email']}>"
        via = data.get("via_link_issued_by")
        said[int(data["plan_version"])] = (kind == "CustomerAgreedToPlan", who, via)
    return said


def _said(value: Any) -> str:
    if isinstance(value, dict):
        return f"{value.get('name')} ({value.get('id')}, {value.get('tier')})"
    return "none" if value in (None, "") else f"“{value}”"


def sentence(event_type: str, data: dict[str, Any]) -> str | None:
    """The mistakes put right, told as people say them (old → new)."""
    if event_type == "EscalationWithdrawn":
        return f"Withdrawn as started by mistake: {data.get('reason')}"
    if event_type == "EscalationDetailsCorrected":
        changes = [
            f"{name} {_said(data[name].get('old'))} → {_said(data[name].get('new'))}"
            for name in ("title", "priority", "customer", "service")
            if isinstance(data.get(name), dict)
        ]
        return f"Corrected {'; '.join(changes)}. Why: {data.get('reason')}"
    return None


def told_in_sentences(
    told: list[dict[str, Any]], stored: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    by_version = {int(e["version"]): e for e in stored if "version" in e}
    out: list[dict[str, Any]] = []
    for entry in told:
        event = by_version.get(int(entry.get("version", 0)))
        said = sentence(str(entry.get("type")), event.get("data") or {}) if event else None
        out.append({**entry, "summary": said} if said else entry)
    return out
