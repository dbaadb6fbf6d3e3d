"""The event catalogue's payload schemas, from the pydantic event models as they
serialise (what goes on the wire), and each event's schema history: its
upcasters."""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any

from ec_events import Event
from ec_events.registry import Upcaster

REF_TEMPLATE = "#/components/schemas/{model}"


class SchemaClash(ValueError):
    """Two models of one name with different schemas: one would hide the other."""


def payload_schemas(events: Sequence[type[Event]]) -> dict[str, Any]:
    """Each event's payload schema under its name, and the models they share
    (customer, person, …) beside them, once."""
    schemas: dict[str, Any] = {}
    for cls in events:
        schema = cls.model_json_schema(mode="serialization", ref_template=REF_TEMPLATE)
        shared = schema.pop("$defs", {})
        for name, part in {**shared, cls.event_name(): schema}.items():
            if schemas.setdefault(name, part) != part:
                raise SchemaClash(f"two different models are called {name}")
    return schemas


def versions(
    cls: type[Event], upcasters: Mapping[tuple[str, int], Upcaster]
) -> list[dict[str, Any]]:
    """The steps from each older schema version to the current one: what
    `ec_events.registry.upcast` applies to a payload recorded in it."""
    name = cls.event_name()
    steps = []
    for version in range(1, cls.schema_version):
        upcaster = upcasters.get((name, version))
        steps.append(
            {
                "from": version,
                "to": version + 1,
                "does": _first_line(upcaster) if upcaster else "no upcaster: not readable",
                "by": f"{upcaster.__module__}.{upcaster.__qualname__}" if upcaster else None,
            }
        )
    return steps


def _first_line(upcaster: Upcaster) -> str:
    doc = inspect.getdoc(upcaster)
    return doc.splitlines()[0] if doc else "(undocumented)"
