"""ServiceNow: an incident record as an outbound REST message or a business rule
sends it (the record's fields at the top level), or as the Table API returns it
(`{"result": {...}}`). Any field may be a plain value or, with display values,
an object `{"value": ..., "display_value": ...}`; references without display
values are `{"value": sys_id, "link": ...}`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ec_intake.domain import IncidentIn
from ec_intake.webhooks.assemble import Found, build_incident
from ec_intake.webhooks.config import SourceConfig
from ec_intake.webhooks.errors import NotAnIncident
from ec_intake.webhooks.extract import as_bool, as_id, as_name, joined, present

# ServiceNow's default priority lookup: (impact, urgency) -> priority, 1 highest.
IMPACT_URGENCY = {
    ("1", "1"): "1",
    ("1", "2"): "2",
    ("2", "1"): "2",
    ("1", "3"): "3",
    ("2", "2"): "3",
    ("3", "1"): "3",
    ("2", "3"): "4",
    ("3", "2"): "4",
    ("3", "3"): "5",
}
_ATTRIBUTES = (
    *("sys_id", "number", "state", "priority", "impact", "urgency"),
    *("category", "subcategory"),
)
_REFERENCES = ("assignment_group", "assigned_to", "caller_id", "company", "cmdb_ci")
_LEADING_CODE = re.compile(r"^\s*(\d+)\s*-")
# ServiceNow's own limit on short_description.
_TITLE_FROM_DESCRIPTION = 160


def to_incidents(payload: Mapping[str, Any], config: SourceConfig) -> list[IncidentIn]:
    record, prefix = _record(payload)
    kind = as_id(record.get("sys_class_name"))
    if kind is not None and kind.lower() != "incident":
        raise NotAnIncident("record_type", f"a ServiceNow {kind} record, not an incident")

    def at(name: str) -> str:
        return joined(prefix, name)

    found = Found()
    number = "number" if present(record.get("number")) else "sys_id"
    found.put("external_id", record.get(number), at("number"))
    found.put("title", record.get("short_description"), at("short_description"))
    found.put("priority", _priority(record), at("priority"))
    found.put("status", _with_code(record.get("state")), at("state"))
    found.put("reopen_count", record.get("reopen_count"), at("reopen_count"))
    # An unset `made_sla` ("") says nothing, where as_bool would read it as false.
    made_sla = record.get("made_sla")
    met = as_bool(made_sla, at("made_sla")) if present(made_sla) else None
    found.put("sla_breached", None if met is None else not met, at("made_sla"))
    updated = "sys_updated_on" if present(record.get("sys_updated_on")) else "opened_at"
    found.put("occurred_at", record.get(updated), at(updated))
    found.attributes.update(_attributes(record))
    # The Table API addresses the record by its sys_id; people know its number.
    found.put("platform_record.record_id", record.get("sys_id"), at("sys_id"))
    found.put("platform_record.number", record.get("number"), at("number"))
    title = _title(record, as_id(record.get(number)))
    return [
        build_incident(
            found, record, config, prefix=prefix, fallback_title=title, platform="servicenow"
        )
    ]


def _title(record: Mapping[str, Any], number: str | None) -> str:
    """For a record without a short description: the first line of its
    description, else its category, after its number."""
    description = (as_name(record.get("description")) or "").strip().splitlines()
    if description:
        return f"{number}: {description[0].strip()[:_TITLE_FROM_DESCRIPTION]}"
    kinds = [as_name(record.get(name)) for name in ("category", "subcategory")]
    kind = " / ".join(k for k in kinds if k)
    return f"ServiceNow incident {number}" + (f" ({kind})" if kind else "")


def _record(payload: Mapping[str, Any]) -> tuple[Mapping[str, Any], str]:
    result = payload.get("result")
    return (result, "result") if isinstance(result, Mapping) else (payload, "")


def _with_code(value: Any) -> tuple[Any, ...]:
    """The value, then the code in a display value like `1 - Critical`."""
    match = _LEADING_CODE.match(as_name(value) or "")
    return (value, match.group(1)) if match else (value,)


def _priority(record: Mapping[str, Any]) -> tuple[Any, ...]:
    if present(record.get("priority")):
        return _with_code(record.get("priority"))
    impact, urgency = (_with_code(record.get(name))[-1] for name in ("impact", "urgency"))
    code = IMPACT_URGENCY.get((as_id(impact) or "", as_id(urgency) or ""))
    return (code,) if code else ()


def _attributes(record: Mapping[str, Any]) -> dict[str, Any]:
    found = {name: as_name(record.get(name)) for name in (*_ATTRIBUTES, *_REFERENCES)}
    return {name: value for name, value in found.items() if value is not None}
