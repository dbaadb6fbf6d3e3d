"""What a form shows before anything is typed: the escalation's current facts,
so a change starts from what is there (the team, the contacts, the plan)."""

from __future__ import annotations

from typing import Any

from ec_console.views.display import parse_time
from ec_console.views.forms import FormState

BLANK_ROWS = 2


def _local(value: str | None) -> str:
    """A time for a datetime-local input (shown in UTC; the zone offset field is 0)."""
    moment = parse_time(value)
    return moment.strftime("%Y-%m-%dT%H:%M") if moment else ""


def _rows(
    state: FormState, prefix: str, found: list[dict[str, Any]], keys: tuple[str, ...]
) -> None:
    for n, row in enumerate(found):
        for key in keys:
            value = row.get(key)
            state.values[f"{prefix}.{n}.{key}"] = (
                _local(value) if key == "due" else str(value or "")
            )
    state.rows[prefix] = len(found) + BLANK_ROWS


def prefill(state: FormState, escalation: dict[str, Any], *, signed_in_as: str) -> FormState:
    """Fills an untouched form; a form coming back with errors keeps what was typed.
    A new manager is, unless the escalation names one, whoever is signed in."""
    if state.values:
        return state
    name = state.name
    state.values["version"] = str(escalation["version"])
    if name == "manager":
        manager = escalation.get("manager") or {}
        state.values.update(
            {
                "manager.id": manager.get("id") or signed_in_as,
                "manager.name": manager.get("name") or "",
                "manager.email": manager.get("email") or "",
            }
        )
    elif name == "team":
        _rows(state, "members", list(escalation.get("team") or []), ("id", "name", "email", "role"))
    elif name == "contacts":
        keys = ("name", "email", "channel", "address")
        _rows(state, "provider", list(escalation.get("provider_contacts") or []), keys)
        _rows(state, "customer", list(escalation.get("customer_contacts") or []), keys)
    elif name == "assessment":
        _assessment(state, escalation.get("assessment") or {})
    elif name == "plan":
        _plan(state, escalation.get("plan") or {})
    elif name == "corrections":
        _details(state, escalation)
    else:
        _simple(state, escalation)
    return state


def _simple(state: FormState, escalation: dict[str, Any]) -> None:
    if state.name == "level":
        state.values["level"] = str(int(escalation.get("level") or 1) + 1)
    elif state.name == "resolution":
        state.values["monitoring_period"] = "PT72H"
    elif state.name == "review":
        state.rows["problem_management_inputs"] = BLANK_ROWS


def _assessment(state: FormState, found: dict[str, Any]) -> None:
    for key in ("summary", "impact", "risk", "known", "unknown"):
        state.values[key] = str(found.get(key) or "")
    for key in ("affected_services", "affected_customers"):
        state.values[key] = ", ".join(found.get(key) or [])


def _plan(state: FormState, found: dict[str, Any]) -> None:
    _rows(state, "actions", list(found.get("actions") or []), ("title", "owner", "due"))
    state.values["resources"] = "\n".join(found.get("resources") or [])
    if found.get("customer_agreed"):
        state.values["customer_agreed"] = "on"
    state.values["review_by"] = ""


def _details(state: FormState, escalation: dict[str, Any]) -> None:
    customer = escalation.get("customer") or {}
    current = {
        "title": escalation.get("title"),
        "priority": escalation.get("priority"),
        "service": escalation.get("service"),
        **{f"customer.{k}": customer.get(k) for k in ("id", "name", "tier")},
    }
    for key, value in current.items():
        state.values[key] = str(value or "")
        state.values[f"was.{key}"] = str(value or "")
