"""Which mapper reads which source's payloads."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ec_intake.domain import IncidentIn
from ec_intake.webhooks import alertmanager, generic, jira, pagerduty, servicenow
from ec_intake.webhooks.config import Platform, SourceConfig
from ec_intake.webhooks.errors import InvalidPayload

Mapper = Callable[[Mapping[str, Any], SourceConfig], list[IncidentIn]]

MAPPERS: Mapping[Platform, Mapper] = {
    "servicenow": servicenow.to_incidents,
    "jira": jira.to_incidents,
    "pagerduty": pagerduty.to_incidents,
    "alertmanager": alertmanager.to_incidents,
    "generic": generic.to_incidents,
}
BUILT_IN_SOURCES: tuple[Platform, ...] = ("servicenow", "jira", "pagerduty", "alertmanager")
_BY_SOURCE: Mapping[str, Mapper] = {source: MAPPERS[source] for source in BUILT_IN_SOURCES}


def mapper_for(source: str, config: SourceConfig | None = None) -> Mapper | None:
    """The mapper of `config`'s platform (the generic one for a declared field
    mapping), else of the built-in source so named; None for an unknown source."""
    if config is not None:
        return MAPPERS[config.platform]
    return _BY_SOURCE.get(source)


def to_incidents(payload: Any, config: SourceConfig) -> list[IncidentIn]:
    """The incidents in a parsed JSON body, read as `config` says.

    Never empty: raises NotAnIncident for an authentic delivery that holds no
    incident (to acknowledge and ignore), InvalidPayload for a broken one."""
    if not isinstance(payload, Mapping):
        raise InvalidPayload("body", "expected a JSON object")
    return MAPPERS[config.platform](payload, config)


def delivery_id_of(payload: Any, config: SourceConfig) -> str | None:
    """The platform's id of the event delivered, for platforms whose deliveries
    carry one (PagerDuty's `event.id`); None otherwise."""
    if config.platform == "pagerduty" and isinstance(payload, Mapping):
        return pagerduty.delivery_id(payload)
    return None
