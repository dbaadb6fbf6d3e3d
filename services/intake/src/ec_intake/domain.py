"""The intake's decisions: what an incoming incident means, given what was seen before."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ec_events.base import Customer, Event, Name, Priority, Text
from ec_events.incidents import (
    RESOLVED_STATUSES,
    IncidentFacts,
    IncidentReported,
    IncidentResolved,
    IncidentUpdated,
)
from ec_events.record_ids import CheckedPlatformRecord
from ec_platform.inputs import Instant

# Fixed forever: incident ids are derived from it, and must stay stable.
INCIDENT_NAMESPACE = uuid.UUID("6f1c3f5e-2b7a-4d59-9a57-0c8f3f1e4b21")
Outcome = Literal["IncidentReported", "IncidentUpdated", "IncidentResolved", "unchanged"]


class IncidentIn(BaseModel):
    """The normalised incident an ITSM platform posts (POST /v1/incidents)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    external_id: Name
    title: Text
    priority: Priority
    customer: Customer
    # False: `customer` is a stand-in, because the reporter could not say whose
    # incident it is.
    customer_resolved: bool = True
    service: Name
    sla_breached: bool = False
    reopen_count: int = Field(default=0, ge=0, le=10_000)
    customer_escalation_requested: bool = False
    status: str = Field(default="open", min_length=1, max_length=40)
    occurred_at: Instant | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)
    # Where writing back to the incident goes (the native webhooks fill it). The
    # notifier sends requests to it with the integration's credentials, so its
    # record_id must be of its platform's form (ec_events.record_ids).
    platform_record: CheckedPlatformRecord | None = None

    @field_validator("status")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()


_FACT_FIELDS = tuple(IncidentIn.model_fields)


def incident_id_for(source: str, external_id: str) -> uuid.UUID:
    """Stable for a platform's incident, however often it is reported."""
    return uuid.uuid5(INCIDENT_NAMESPACE, f"{source}\x1f{external_id}")


def _facts(model: IncidentIn | IncidentFacts) -> dict[str, Any]:
    dumped = model.model_dump(mode="json")
    return {name: dumped[name] for name in _FACT_FIELDS}


def is_resolved(status: str) -> bool:
    """Whether a platform's status word means the incident is resolved."""
    return status in RESOLVED_STATUSES


@dataclass(frozen=True)
class Change:
    field: str
    old: Any
    new: Any


def changes(before: IncidentFacts | None, after: IncidentFacts) -> list[Change]:
    """What a later report changed, field by field (JSON values); nothing for the first."""
    if before is None:
        return []
    old, new = _facts(before), _facts(after)
    return [Change(name, old[name], new[name]) for name in _FACT_FIELDS if old[name] != new[name]]


def decide(previous: IncidentFacts | None, incoming: IncidentIn) -> list[Event]:
    """The events an incoming report causes: none when nothing changed."""
    incident_id = incident_id_for(incoming.source, incoming.external_id)
    facts = {**incoming.model_dump(), "incident_id": incident_id}
    if incoming.platform_record is None and previous is not None:
        # A report that does not say where the record lives does not forget it.
        incoming = incoming.model_copy(update={"platform_record": previous.platform_record})
        facts["platform_record"] = previous.platform_record
    resolved_now = incoming.status in RESOLVED_STATUSES
    if previous is None:
        reported: list[Event] = [IncidentReported(**facts)]
        if resolved_now:
            reported.append(IncidentResolved(**facts, resolved_at=incoming.occurred_at))
        return reported
    before, after = _facts(previous), _facts(incoming)
    changed = tuple(name for name in _FACT_FIELDS if before[name] != after[name])
    if not changed:
        return []
    if resolved_now and previous.status not in RESOLVED_STATUSES:
        return [IncidentResolved(**facts)]
    return [IncidentUpdated(**facts, changed=changed)]
