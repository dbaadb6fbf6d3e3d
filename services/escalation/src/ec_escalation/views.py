"""How an escalation and its events look in HTTP answers."""

from __future__ import annotations

from typing import Any

from ec_escalation.domain import Escalation
from ec_platform.eventlog import StoredEvent


def escalation_view(state: Escalation) -> dict[str, Any]:
    return {
        "id": str(state.id),
        "version": state.version,
        "state": state.status,
        "level": state.level,
        "title": state.title,
        "priority": state.priority,
        "customer": state.customer.model_dump() if state.customer else None,
        "service": state.service,
        "incident_ids": [str(i) for i in state.incident_ids],
        "trigger": state.trigger,
        "reason": state.reason,
        "criteria": list(state.criteria),
        "criteria_version": state.criteria_version,
        "started_at": state.started_at.isoformat(),
    }


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
