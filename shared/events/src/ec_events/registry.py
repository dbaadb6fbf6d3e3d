"""Every event contract by name, its topic, and reading old payloads (upcasting)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from ec_events import escalations as esc
from ec_events import incidents as inc
from ec_events import monitor as mon
from ec_events.base import Event
from ec_events.topics import TopicName

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]

_BY_TOPIC: Mapping[TopicName, tuple[type[Event], ...]] = {
    TopicName.INCIDENTS: (inc.IncidentReported, inc.IncidentUpdated, inc.IncidentResolved),
    TopicName.ESCALATIONS: (
        esc.EscalationStarted,
        esc.EscalationManagerAssigned,
        esc.RecordLinked,
        esc.EscalationTeamAssigned,
        esc.CommunicationContactsSet,
        esc.SituationAssessed,
        esc.PlanRevised,
        esc.EscalationLevelRaised,
        esc.ProgressReported,
        esc.MonitoringStarted,
        esc.EscalationReopened,
        esc.MonitoringPassed,
        esc.EscalationClosed,
        esc.EscalationReviewed,
        esc.DeadlineMissed,
        esc.EscalationWithdrawn,
        esc.EscalationDetailsCorrected,
        *esc.CUSTOMER_ACTS,
        esc.CustomerAskedForLink,
    ),
    TopicName.MONITOR: (
        mon.MonitoringPeriodElapsed,
        mon.PlanReviewOverdue,
        mon.ProgressOverdue,
        mon.RaiseRequested,
    ),
}

EVENT_TYPES: Mapping[str, type[Event]] = {
    cls.event_name(): cls for classes in _BY_TOPIC.values() for cls in classes
}
TOPIC_OF: Mapping[str, TopicName] = {
    cls.event_name(): topic for topic, classes in _BY_TOPIC.items() for cls in classes
}

# (event name, stored schema version) -> a function lifting that payload one
# version up. Each incompatible change to a contract adds one entry here, so an
# auditor's replay of years-old events still reads them as today's models.
UPCASTERS: dict[tuple[str, int], Upcaster] = {}


class UnknownEventType(ValueError):
    pass


def upcast(name: str, schema_version: int, data: Payload) -> Payload:
    cls = event_class(name)
    version = schema_version
    while version < cls.schema_version:
        step = UPCASTERS.get((name, version))
        if step is None:
            raise ValueError(f"no upcaster for {name} schema version {version}")
        data = step(data)
        version += 1
    return data


def event_class(name: str) -> type[Event]:
    try:
        return EVENT_TYPES[name]
    except KeyError:
        raise UnknownEventType(f"unknown event type {name!r}") from None


def parse_event_json(name: str, text: str, schema_version: int) -> Event:
    """As parse_event, from JSON text: today's payloads are validated straight
    from the text (no intermediate dicts), older ones go through the upcasters."""
    cls = event_class(name)
    if schema_version == cls.schema_version:
        return cls.model_validate_json(text)
    return parse_event(name, json.loads(text), schema_version)


def parse_event(name: str, data: Payload, schema_version: int | None = None) -> Event:
    """The current model of a stored or received payload of any schema version."""
    cls = event_class(name)
    lifted = upcast(name, schema_version or cls.schema_version, data)
    return cls.model_validate(lifted)
