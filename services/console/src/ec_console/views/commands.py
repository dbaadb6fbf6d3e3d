"""Every command of the process as a form: what it is called, and how its fields
become the API's body."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ec_console.views.forms import Invalid, items, lines, local_time, optional, rows, text
from ec_platform.inputs import parse_count

MAX_ROWS = 50
Placed = dict[str, dict[int, int]]
Built = tuple[dict[str, Any], Placed]


@dataclass(frozen=True)
class Command:
    name: str
    method: str
    title: str
    done: str
    build: Callable[[Mapping[str, str]], Built]


def _manager(v: Mapping[str, str]) -> Built:
    manager = {k: text(v, f"manager.{k}") for k in ("id", "name", "email")}
    manager["id"] = manager["id"] or manager["email"]
    return {"manager": manager}, {}


def _links(v: Mapping[str, str]) -> Built:
    return {"kind": text(v, "kind"), "ref": text(v, "ref")}, {}


def _people(v: Mapping[str, str], prefix: str, fields: tuple[str, ...]) -> tuple[Any, Placed]:
    found, placed = rows(v, prefix, fields, count=MAX_ROWS)
    for row in found:
        if "id" in row and not row["id"]:
            row["id"] = row.get("email", "")
        if "address" in row and not row["address"]:
            del row["address"]
        if "channel" in row and not row["channel"]:
            row["channel"] = "email"
    return found, {prefix: placed}


def _team(v: Mapping[str, str]) -> Built:
    members, placed = _people(v, "members", ("id", "name", "email", "role"))
    if not members:
        raise Invalid({"members.0.name": "name at least one member"})
    return {"members": members}, placed


def _contacts(v: Mapping[str, str]) -> Built:
    provider, placed_p = _people(v, "provider", ("name", "email", "channel", "address"))
    customer, placed_c = _people(v, "customer", ("name", "email", "channel", "address"))
    return {"provider": provider, "customer": customer}, {**placed_p, **placed_c}


def _assessment(v: Mapping[str, str]) -> Built:
    body: dict[str, Any] = {k: text(v, k) for k in ("summary", "impact", "risk")}
    body["affected_services"] = items(v, "affected_services")
    body["affected_customers"] = items(v, "affected_customers")
    for key in ("known", "unknown"):
        if optional(v, key):
            body[key] = text(v, key)
    return body, {}


def _plan(v: Mapping[str, str]) -> Built:
    actions, placed = rows(v, "actions", ("title", "owner", "due"), count=MAX_ROWS)
    problems: dict[str, str] = {}
    for n, action in enumerate(actions):
        try:
            action["due"] = local_time(v, f"actions.{placed[n]}.due") or ""
        except Invalid as error:
            problems.update(error.errors)
    if not actions:
        problems["actions.0.title"] = "the plan needs at least one action"
    try:
        review_by = local_time(v, "review_by")
    except Invalid as error:
        problems.update(error.errors)
        review_by = None
    if problems:
        raise Invalid(problems)
    body = {
        "actions": actions,
        "resources": lines(v, "resources"),
        "customer_agreed": bool(v.get("customer_agreed")),
        "reason": text(v, "reason"),
        "review_by": review_by or "",
        **_override(v),
    }
    return body, {"actions": placed}


def _level(v: Mapping[str, str]) -> Built:
    level = parse_count(text(v, "level"))
    if level is None:
        raise Invalid({"level": "choose the level to raise it to"})
    return {"level": level, "reason": text(v, "reason")}, {}


def _progress(v: Mapping[str, str]) -> Built:
    return {"note": text(v, "note"), "next_update_due": local_time(v, "next_update_due") or ""}, {}


def _resolution(v: Mapping[str, str]) -> Built:
    body = {
        "customer_confirmed": bool(v.get("customer_confirmed")),
        "monitoring_period": text(v, "monitoring_period").upper(),
        **_override(v),
    }
    return body, {}


def _recurrence(v: Mapping[str, str]) -> Built:
    return {"note": text(v, "note")}, {}


def _override(v: Mapping[str, str]) -> dict[str, str]:
    """The operator's reason for acting without the customer's own act, if given."""
    reason = optional(v, "override_reason")
    return {"override_reason": reason} if reason else {}


def _closure(v: Mapping[str, str]) -> Built:
    # Without the customer's agreement on their page, the operator records who
    # agreed and why they override.
    if not optional(v, "customer_agreement.by") and not optional(v, "override_reason"):
        return {}, {}
    agreement = {k: text(v, f"customer_agreement.{k}") for k in ("by", "note")}
    return {"customer_agreement": agreement, **_override(v)}, {}


def _review(v: Mapping[str, str]) -> Built:
    inputs, placed = rows(
        v, "problem_management_inputs", ("kind", "description", "ref", "owner"), count=MAX_ROWS
    )
    for row in inputs:
        for key in ("ref", "owner"):
            if not row[key]:
                del row[key]
    body = {"findings": text(v, "findings"), "problem_management_inputs": inputs}
    return body, {"problem_management_inputs": placed}


def _withdrawal(v: Mapping[str, str]) -> Built:
    reason = text(v, "reason")
    if not reason:
        raise Invalid({"reason": "say why it was started by mistake"})
    return {"reason": reason}, {}


CORRECTABLE = ("title", "priority", "service")
CUSTOMER_KEYS = ("id", "name", "tier")


def _corrections(v: Mapping[str, str]) -> Built:
    """Only what changed from the values the form was rendered with (`was.*`)."""
    body: dict[str, Any] = {}
    for key in CORRECTABLE:
        if text(v, key) != text(v, f"was.{key}"):
            if not text(v, key):
                raise Invalid({key: "cannot be emptied, only corrected"})
            body[key] = text(v, key)
    customer = {k: text(v, f"customer.{k}") for k in CUSTOMER_KEYS}
    if any(customer[k] != text(v, f"was.customer.{k}") for k in CUSTOMER_KEYS):
        missing = {f"customer.{k}": "needed for the customer" for k, x in customer.items() if not x}
        if missing:
            raise Invalid(missing)
        body["customer"] = customer
    if not body:
        raise Invalid({"title": "nothing changed: correct at least one detail"})
    reason = text(v, "reason")
    if not reason:
        raise Invalid({"reason": "say why the details were wrong"})
    return {**body, "reason": reason}, {}


COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        Command("manager", "PUT", "Escalation manager", "Manager assigned", _manager),
        Command("links", "POST", "Link a record", "Record linked", _links),
        Command("team", "PUT", "Escalation team", "Team appointed", _team),
        Command("contacts", "PUT", "Communication contacts", "Contacts set", _contacts),
        Command("assessment", "POST", "Assessment", "Assessment recorded", _assessment),
        Command("plan", "PUT", "Action plan", "Plan revised", _plan),
        Command("level", "POST", "Raise the level", "Level raised", _level),
        Command("progress", "POST", "Report progress", "Progress reported", _progress),
        Command(
            "resolution", "POST", "Resolved: start monitoring", "Monitoring started", _resolution
        ),
        Command("recurrence", "POST", "It came back", "Recurrence recorded", _recurrence),
        Command("closure", "POST", "Close", "Escalation closed", _closure),
        Command("review", "POST", "Post-escalation review", "Review recorded", _review),
        Command("withdrawal", "POST", "Withdraw", "Escalation withdrawn", _withdrawal),
        Command("corrections", "POST", "Correct the details", "Details corrected", _corrections),
    )
}

# Which forms a state offers; the service's rules still decide (and refuse with
# a reason shown on the form).
BY_STATE: dict[str, tuple[str, ...]] = {
    "active": (
        "progress",
        "manager",
        "plan",
        "assessment",
        "team",
        "contacts",
        "links",
        "level",
        "resolution",
        "corrections",
        "withdrawal",
    ),
    "monitoring": ("recurrence", "progress", "plan", "level", "links", "corrections"),
    "monitoring_passed": ("closure", "recurrence", "links", "corrections"),
    "closed": ("review", "links", "corrections"),
    "reviewed": ("links",),
}


def offered(state: str, monitoring_round: int) -> tuple[str, ...]:
    """The forms for this state; withdrawal only for one never resolved (started
    by mistake), as the service's rule says."""
    forms = BY_STATE.get(state, ())
    return tuple(f for f in forms if f != "withdrawal" or monitoring_round == 0)


def primary(state: str, has_manager: bool) -> str | None:
    """The form most likely needed next, shown open."""
    if state == "active":
        return "progress" if has_manager else "manager"
    return {"monitoring_passed": "closure", "closed": "review"}.get(state)
