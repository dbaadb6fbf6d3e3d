"""PagerDuty Webhooks V3: `{"event": {"id", "event_type", "resource_type",
"occurred_at", "agent", "client", "data"}}`, one event per delivery. Incident
events carry the incident in `data` (`id`, `number`, `title`, `status`,
`urgency`, `priority`, `service`, `teams`, ...); other events (the "Send Test
Event" `pagey.ping`, notes, responders, services) are not incidents and are
ignored. PagerDuty has no customers: `customer_mappings` on the service or the
teams say whose incident it is."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ec_intake.domain import IncidentIn
from ec_intake.webhooks.assemble import Found, build_incident
from ec_intake.webhooks.config import SourceConfig
from ec_intake.webhooks.errors import InvalidPayload, NotAnIncident
from ec_intake.webhooks.extract import as_id, as_name, dig, present, require_mapping

# The event "Send Test Event" delivers.
PING = "pagey.ping"


def to_incidents(payload: Mapping[str, Any], config: SourceConfig) -> list[IncidentIn]:
    event = require_mapping(payload.get("event"), "event")
    event_type = as_id(event.get("event_type"))
    if event_type is None:
        raise InvalidPayload("event.event_type", "missing")
    if event_type == PING:
        raise NotAnIncident("ping", "PagerDuty's test event (pagey.ping)")
    if event_type not in config.event_types or as_id(event.get("resource_type")) != "incident":
        raise NotAnIncident(
            "event_type", f"PagerDuty event {event_type!r} does not describe an incident"
        )
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
    # The REST API addresses an incident by its id; people know it by its number.
    found.put("platform_record.record_id", data.get("id"), "event.data.id")
    found.put("platform_record.number", data.get("number"), "event.data.number")
    title = _title(data)
    return [
        build_incident(
            found, data, config, prefix="event.data", fallback_title=title, platform="pagerduty"
        )
    ]


def delivery_id(payload: Mapping[str, Any]) -> str | None:
    """The event's own id: the same on every retry and replay of the delivery."""
    event = payload.get("event")
    return as_id(event.get("id")) if isinstance(event, Mapping) else None


def _title(data: Mapping[str, Any]) -> str:
    number = as_id(data.get("number"))
    name = f"PagerDuty incident #{number}" if number else f"PagerDuty incident {data.get('id')}"
    service = as_name(data.get("service"))
    return f"{name} on {service}" if service else name


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
        "pagerduty_service_id": as_id(data.get("service")),
        "agent": as_name(dig(event, "agent")),
    }
    attributes: dict[str, Any] = {k: v for k, v in names.items() if v is not None}
    teams = data.get("teams")
    if isinstance(teams, list) and teams:
        attributes["teams"] = [as_name(team) for team in teams if as_name(team)]
    return attributes
