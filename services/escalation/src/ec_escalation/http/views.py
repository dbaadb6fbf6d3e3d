"""How escalations and their events look in HTTP answers."""

from __future__ import annotations

from typing import Any

from ec_escalation.domain.sentences import describe
from ec_escalation.domain.state import Escalation
from ec_platform.storage.eventlog import StoredEvent


def escalation_view(state: Escalation) -> dict[str, Any]:
    body = state.to_json()
    # links_asked_at only paces customers' asks for links; the timeline shows them.
    del body["id"], body["status"], body["links_asked_at"]
    return {"id": str(state.id), "state": state.status, **body}


def event_view(stored: StoredEvent) -> dict[str, Any]:
    return {
        "id": str(stored.event_id),
        "type": stored.type,
        "escalation_id": stored.stream_id,
        "version": stored.stream_version,
        "position": stored.position,
        "recorded_at": stored.recorded_at.isoformat(),
        "actor": {"role": stored.actor_role, "name": stored.actor_name},
        "schema_version": stored.schema_version,
        "correlation_id": stored.correlation_id,
        "causation_id": stored.causation_id,
        "hash": stored.hash,
        "data": stored.data,
    }


def board_item(row: dict[str, Any]) -> dict[str, Any]:
    times = ("review_by", "next_update_due", "monitoring_ends_at", "started_at", "updated_at")
    item = {k: (v.isoformat() if k in times and v is not None else v) for k, v in row.items()}
    item["id"] = str(item.pop("escalation_id"))
    item["state"] = item.pop("status")
    return item


def timeline_entry(stored: StoredEvent) -> dict[str, Any]:
    return {
        "at": stored.recorded_at.isoformat(),
        "version": stored.stream_version,
        "type": stored.type,
        "actor": f"{stored.actor_role}:{stored.actor_name}",
        "summary": describe(stored.type, stored.data),
    }


def decision_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "incident_id": str(row["incident_id"]),
        "message_id": row["message_id"],
        "event_type": row["event_type"],
        "decided_at": row["decided_at"].isoformat(),
        "outcome": row["outcome"],
        "escalation_id": str(row["escalation_id"]) if row["escalation_id"] else None,
        "explanation": row["explanation"],
        "criteria_version": row["criteria_version"],
        "rules": row["rules"],
        "facts": row["facts"],
    }
