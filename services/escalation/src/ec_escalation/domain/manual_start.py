"""An escalation started by hand: what the operator asked for, completed from
what the service knows of the incidents it names. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from ec_escalation.domain.commands import StartEscalation
from ec_escalation.domain.errors import InvalidCommand, NotAllowed
from ec_events.base import Customer, PlatformRecord, Priority
from ec_events.escalations import IncidentRecord


@dataclass(frozen=True)
class ManualStart:
    """The operator's request, as given."""

    reason: str
    incident_ids: tuple[UUID, ...] = ()
    title: str | None = None
    priority: Priority | None = None
    customer: Customer | None = None
    service: str | None = None
    # The operator vouches that the named incidents exist in an ITSM platform
    # this service has not heard from; the title and customer must then be given.
    incidents_known_elsewhere: bool = False


@dataclass(frozen=True)
class SeenIncidents:
    """What the service knows of the named incidents."""

    known: frozenset[UUID] = frozenset()
    # incident id -> the open escalation it already belongs to
    open_escalations: Mapping[UUID, UUID] = field(default_factory=dict)
    # The latest facts of the first named incident, as the intake reported them.
    first_facts: Mapping[str, Any] = field(default_factory=dict)
    # incident id -> its record on the platform that reported it, for those with one
    records: Mapping[UUID, PlatformRecord] = field(default_factory=dict)


def start_command(request: ManualStart, seen: SeenIncidents) -> StartEscalation:
    """The start command, or InvalidCommand naming every field that is wrong, or
    NotAllowed when a named incident already has an open escalation."""
    _require_known_or_described(request, seen)
    incident_ids = tuple(dict.fromkeys(request.incident_ids))
    for incident_id in incident_ids:
        if incident_id in seen.open_escalations:
            raise NotAllowed(
                f"incident {incident_id} already has an open escalation "
                f"{seen.open_escalations[incident_id]}"
            )
    facts = seen.first_facts
    customer = request.customer or (
        Customer.model_validate(facts["customer"]) if "customer" in facts else None
    )
    return StartEscalation(
        trigger="manual",
        reason=request.reason,
        title=request.title or facts.get("title") or request.reason,
        incident_ids=incident_ids,
        priority=request.priority or facts.get("priority"),
        customer=customer,
        service=request.service or facts.get("service"),
        incident_records=tuple(
            IncidentRecord(incident_id=incident_id, record=seen.records[incident_id])
            for incident_id in incident_ids
            if incident_id in seen.records
        ),
    )


def _require_known_or_described(request: ManualStart, seen: SeenIncidents) -> None:
    if request.incidents_known_elsewhere:
        missing = [
            f"{name}: required when incidents_known_elsewhere is true"
            for name, value in (("title", request.title), ("customer", request.customer))
            if value is None
        ]
        if missing:
            raise InvalidCommand(*missing)
        return
    unknown = [
        f"incident_ids.{n}: incident {incident_id} is unknown to the escalation service "
        "(send incidents_known_elsewhere: true, with title and customer, to start anyway)"
        for n, incident_id in enumerate(request.incident_ids)
        if incident_id not in seen.known
    ]
    if unknown:
        raise InvalidCommand(*unknown)
