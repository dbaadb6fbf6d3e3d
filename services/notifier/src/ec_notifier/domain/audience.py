"""The notifier's own view of one escalation: who is involved and what it is
about, folded from the events it consumes (a ProgressReported names nobody,
so the people must be remembered from earlier events). Pure."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ec_events.base import Contact, Event, Person, PlatformRecord, TeamMember
from ec_events.escalations import (
    CommunicationContactsSet,
    EscalationDetailsCorrected,
    EscalationLevelRaised,
    EscalationManagerAssigned,
    EscalationReopened,
    EscalationStarted,
    EscalationTeamAssigned,
    RecordLinked,
)


@dataclass(frozen=True)
class Audience:
    escalation_id: str
    title: str = ""
    customer: str | None = None
    priority: str | None = None
    service: str | None = None
    level: int = 1
    manager: Person | None = None
    team: tuple[TeamMember, ...] = ()
    provider: tuple[Contact, ...] = ()
    customer_contacts: tuple[Contact, ...] = ()
    # The escalation's incidents on their ITSM platforms: where notes are written.
    records: tuple[PlatformRecord, ...] = ()

    @property
    def name(self) -> str:
        """How people recognise the escalation in a subject line."""
        title = self.title or f"escalation {self.escalation_id[:8]}"
        return f"{title} ({self.customer})" if self.customer else title

    def to_json(self) -> dict[str, Any]:
        return {
            "escalation_id": self.escalation_id,
            "title": self.title,
            "customer": self.customer,
            "priority": self.priority,
            "service": self.service,
            "level": self.level,
            "manager": self.manager.model_dump() if self.manager else None,
            "team": [m.model_dump() for m in self.team],
            "provider": [c.model_dump() for c in self.provider],
            "customer_contacts": [c.model_dump() for c in self.customer_contacts],
            "records": [r.model_dump() for r in self.records],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Audience:
        manager = data.get("manager")
        return cls(
            escalation_id=data["escalation_id"],
            title=data.get("title", ""),
            customer=data.get("customer"),
            priority=data.get("priority"),
            service=data.get("service"),
            level=data.get("level", 1),
            manager=Person.model_validate(manager) if manager else None,
            team=tuple(TeamMember.model_validate(m) for m in data.get("team", [])),
            provider=tuple(Contact.model_validate(c) for c in data.get("provider", [])),
            customer_contacts=tuple(
                Contact.model_validate(c) for c in data.get("customer_contacts", [])
            ),
            records=tuple(PlatformRecord.model_validate(r) for r in data.get("records", [])),
        )


def evolve(audience: Audience, event: Event) -> Audience:
    """The audience after `event`; events that change no one leave it as it is."""
    if isinstance(event, EscalationStarted):
        return replace(
            audience,
            title=event.title,
            customer=event.customer.name if event.customer else None,
            priority=event.priority,
            service=event.service,
            level=event.level,
            records=_with(audience.records, *(r.record for r in event.incident_records)),
        )
    if isinstance(event, RecordLinked) and event.kind == "incident" and event.platform_record:
        return replace(audience, records=_with(audience.records, event.platform_record))
    if isinstance(event, EscalationReopened) and event.platform_record is not None:
        return replace(audience, records=_with(audience.records, event.platform_record))
    if isinstance(event, EscalationManagerAssigned):
        return replace(audience, manager=event.manager)
    if isinstance(event, EscalationTeamAssigned):
        return replace(audience, team=event.members)
    if isinstance(event, CommunicationContactsSet):
        return replace(audience, provider=event.provider, customer_contacts=event.customer)
    if isinstance(event, EscalationLevelRaised):
        return replace(audience, level=max(audience.level, event.to_level))
    if isinstance(event, EscalationDetailsCorrected):
        return _corrected(audience, event)
    return audience


def _with(records: tuple[PlatformRecord, ...], *more: PlatformRecord) -> tuple[PlatformRecord, ...]:
    """Each record once, by platform and id, in the order first seen."""
    known = {(r.platform, r.record_id) for r in records}
    added = []
    for record in more:
        if (record.platform, record.record_id) not in known:
            known.add((record.platform, record.record_id))
            added.append(record)
    return (*records, *added)


def _corrected(audience: Audience, event: EscalationDetailsCorrected) -> Audience:
    """Messages after a correction name the escalation by its corrected details."""
    if event.title:
        audience = replace(audience, title=event.title.new)
    if event.customer:
        audience = replace(audience, customer=event.customer.new.name)
    if event.priority:
        audience = replace(audience, priority=event.priority.new)
    if event.service:
        audience = replace(audience, service=event.service.new)
    return audience
