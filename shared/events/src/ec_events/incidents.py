"""Events on the incidents topic, published by the intake service."""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

from pydantic import Field

from ec_events.base import AwareDatetime, Customer, Event, Name, PlatformRecord, Priority, Text

# Statuses (lower-case) that mean the platform considers the incident resolved.
RESOLVED_STATUSES = frozenset({"resolved", "closed"})


class IncidentFacts(Event):
    """The normalised incident as the ITSM platform last described it."""

    subject_field: ClassVar[str] = "incident_id"

    incident_id: UUID
    source: Name
    external_id: Name
    title: Text
    priority: Priority
    customer: Customer
    # False when the intake could not tell whose incident it is (a webhook that
    # names no customer and that no customer mapping covers) and `customer` is
    # the source's default. Older events, written before the flag, read as True.
    customer_resolved: bool = True
    service: Name
    sla_breached: bool = False
    reopen_count: int = Field(default=0, ge=0)
    customer_escalation_requested: bool = False
    status: str = "open"
    occurred_at: AwareDatetime | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)
    # Where the incident can be written back to; None for sources that have no
    # such API (Alertmanager, generic mappings) and for older events.
    platform_record: PlatformRecord | None = None


class IncidentReported(IncidentFacts):
    """First sight of an incident (by `source` + `external_id`)."""


class IncidentUpdated(IncidentFacts):
    """The incident's content changed; `changed` names the fields."""

    changed: tuple[str, ...] = ()


class IncidentResolved(IncidentFacts):
    """The platform reports the incident resolved or closed."""

    resolved_at: AwareDatetime | None = None
