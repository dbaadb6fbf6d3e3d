"""PagerDuty Webhooks V3: `{"event": {"id", "event_type", "resource_type",
"occurred_at", "agent", "client", "data"}}`, one event per delivery. Incident
events carry the incident in `data` (`id`, `number`, `title`, `status`,
`urgency`, `priority`, `service`, ...); other events (notes, responders, services)
are not incidents."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ec_intake.domain import IncidentIn
from ec_intake.webhooks.assemble import Found, build_incident
from ec_intake.webhooks.config import SourceConfig
from ec_intake.webhooks.errors import NotAnIncident
from ec_intake.webhooks.extract import as_id, as_name, dig, present, require_mapping


def to_incidents(payload: Mapping[str, Any], config: SourceConfig) -> list[IncidentIn]:
    event = require_mapping(payload.get("event"), "event")
    event_type = as_id(event.get("event_type"))
    if event_type is None:
        raise NotAnIncident("a PagerDuty delivery without event.event_type")
    if event_type not in config.event_types or as_id(event.get("resource_type")) != "incident":
        raise NotAnIncident(f"PagerDuty event {event_type!r} does not describe an incident")
    data = require_mapping(event.get("data"), "event.data")

    found = Found()
    found.put("external_id", data.get("id"), "event.data.id")
    found.put("title", data.get("title"), "event.data.title")
    # Accounts without incident priorities send `priority: null`; urgency remains.
    priority_path = "priority" if present(data.get("priority")) else "urgency"
    found.put("priority", data.get(priority_path), f"event.data.{priority_path}")
    found.put("status", data.get("status"), "event.data.status")
    found.put("occurred_at", event.get("occurred_at"), "event.occurred_at")
    found.attributes.update(_attributes(event, data))
    return [build_incident(found, data, config, prefix="event.data")]


def _attributes(event: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    names = {
        "pagerduty_event_id": as_id(event.get("id")),
        "pagerduty_event_type": as_id(event.get("event_type")),
        "pagerduty_number": as_id(data.get("number")),
        "incident_key": as_id(data.get("incident_key")),
        "html_url": as_id(data.get("html_url")),
        "urgency": as_id(data.get("urgency")),
        "pagerduty_priority": as_name(data.get("priority")),
        "escalation_policy": as_name(data.get("escalation_policy")),
        "agent": as_name(dig(event, "agent")),
    }
    return {name: value for name, value in names.items() if value is not None}
