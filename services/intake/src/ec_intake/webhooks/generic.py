"""Any other platform, declared in configuration: `paths` say where each
incident field lives in the payload, `constants` fill what it never says,
`value_maps` translate its vocabulary, and `priority_map` and `status_map` its
priorities and statuses. For example:

    {"platform": "generic",
     "paths": {"external_id": "alert.id", "title": "alert.summary",
               "priority": "alert.severity", "customer.id": "org.id",
               "customer.name": "org.name", "service": "alert.component",
               "attributes.url": "alert.link"},
     "priority_map": {"sev1": "P1", "sev2": "P2"},
     "constants": {"customer.tier": "gold"},
     "event_type_path": "kind", "event_types": ["alert.opened", "alert.updated"]}

With `event_type_path`, a delivery whose type is not in `event_types` (a test
ping, a heartbeat) is acknowledged and ignored."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ec_intake.domain import IncidentIn
from ec_intake.webhooks.assemble import Found, build_incident
from ec_intake.webhooks.config import SourceConfig
from ec_intake.webhooks.errors import NotAnIncident
from ec_intake.webhooks.extract import as_id, dig


def to_incidents(payload: Mapping[str, Any], config: SourceConfig) -> list[IncidentIn]:
    if config.event_type_path is not None:
        event_type = as_id(dig(payload, config.event_type_path))
        if event_type not in config.event_types:
            raise NotAnIncident(
                "event_type",
                f"{config.source} event {event_type!r} is not one of {list(config.event_types)}",
            )
    return [build_incident(Found(), payload, config)]
