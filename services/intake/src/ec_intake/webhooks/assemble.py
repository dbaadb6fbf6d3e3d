"""The part every mapper shares: values found in a payload, plus the source's
configured paths, constants and defaults, become one validated IncidentIn."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, get_args

from pydantic import ValidationError

from ec_events.base import Platform, Priority
from ec_events.record_ids import RecordIdRejected, check_record_id
from ec_intake.domain import IncidentIn
from ec_intake.webhooks.config import SourceConfig
from ec_intake.webhooks.customers import resolve_customer
from ec_intake.webhooks.errors import InvalidPayload
from ec_intake.webhooks.extract import (
    as_bool,
    as_id,
    as_int,
    as_name,
    as_time,
    first_present,
    joined,
    lookup,
    present,
)

log = logging.getLogger(__name__)
# P1..P5 themselves, for platforms that already speak them.
_SAME_PRIORITY: dict[str, Priority] = {p: p for p in get_args(Priority)}


@dataclass
class Found:
    """What a mapper read, by incident field (`customer.id` for nested ones), and
    the payload path of each: where a missing or bad value is reported.

    A tuple for `priority` or `status` lists candidates, best first: the first that
    the source's map knows wins."""

    values: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    # The fields the source's defaults filled, in the order they were needed.
    defaulted: list[str] = field(default_factory=list)

    def put(self, name: str, value: Any, origin: str) -> None:
        self.origins.setdefault(name, origin)
        if present(value):
            self.values[name] = value
            self.origins[name] = origin

    def where(self, name: str) -> str:
        return self.origins.get(name, name)


def build_incident(
    found: Found,
    record: Any,
    config: SourceConfig,
    *,
    prefix: str = "",
    fallback_title: str | None = None,
    platform: Platform | None = None,
) -> IncidentIn:
    """`found` overlaid with the source's `paths` (read from `record`, reported
    under `prefix`), then its constants, then its defaults.

    Only the incident's identity is required: a record without a title is
    named by `fallback_title` (else by its source and id); one without a
    priority or a service gets the source's defaults, listed in the attribute
    `defaulted`. For a `platform` that can be written back to, the record
    found as `record_id` (and `number`) becomes the incident's platform record."""
    _overlay_paths(found, record, config, prefix)
    for name, value in config.constants.items():
        if name.startswith("attributes."):
            found.attributes.setdefault(name.removeprefix("attributes."), value)
        elif name not in found.values:
            found.put(name, value, f"constants.{name}")
    external_id = _required_text(found, "external_id", identifier=True)
    if as_name(found.values.get("title")) is None:
        title = fallback_title or f"{config.source} incident {external_id}"
        found.put("title", title, found.where("title"))
        found.defaulted.append("title")
    customer = resolve_customer(found.values, record, config, where=found.where("customer.id"))
    fields = _fields(found, config)
    attributes = dict(found.attributes)
    if customer.mapped_by is not None:
        attributes["customer_mapped_by"] = customer.mapped_by
    if found.defaulted:
        attributes["defaulted"] = list(found.defaulted)
    fields |= {
        "external_id": external_id,
        "customer": customer.customer,
        "customer_resolved": customer.resolved,
        "attributes": attributes,
        "platform_record": _platform_record(found, platform),
    }
    return _validated(fields, found)


def _platform_record(found: Found, platform: Platform | None) -> dict[str, Any] | None:
    record_id = as_id(found.values.get("platform_record.record_id"))
    if platform is None or record_id is None:
        return None
    try:
        check_record_id(platform, record_id)
    except RecordIdRejected as error:
        # The notifier would paste it into a request path on the platform. The
        # incident is still taken (its identity is the platform's own id), with
        # nothing to write back to.
        log.warning(
            "%s: %s: no platform record kept for this incident: %s",
            platform,
            found.where("platform_record.record_id"),
            error,
        )
        return None
    number = as_id(found.values.get("platform_record.number"))
    return {"platform": platform, "record_id": record_id, "number": number}


def _overlay_paths(found: Found, record: Any, config: SourceConfig, prefix: str) -> None:
    for name, paths in config.paths.items():
        hit = first_present(record, paths)
        if hit is None:
            first = paths if isinstance(paths, str) else paths[0]
            found.origins.setdefault(name, joined(prefix, first))
            continue
        path, value = hit
        if name in config.value_maps:
            mapped = lookup(config.value_maps[name], as_id(value), as_name(value))
            value = value if mapped is None else mapped
        if name.startswith("attributes."):
            found.attributes[name.removeprefix("attributes.")] = value
        else:
            found.values[name] = value
            found.origins[name] = joined(prefix, path)


def _required_text(found: Found, name: str, *, identifier: bool) -> str:
    value = found.values.get(name)
    text = as_id(value) if identifier else as_name(value)
    if text is None:
        raise InvalidPayload(found.where(name), "missing")
    return text


def _fields(found: Found, config: SourceConfig) -> dict[str, Any]:
    values = found.values
    return {
        "source": config.source,
        "title": _required_text(found, "title", identifier=False),
        "priority": _priority(found, config),
        "service": _service(found, config),
        "sla_breached": as_bool(values.get("sla_breached"), found.where("sla_breached")) or False,
        "reopen_count": as_int(values.get("reopen_count"), found.where("reopen_count")) or 0,
        "customer_escalation_requested": as_bool(
            values.get("customer_escalation_requested"),
            found.where("customer_escalation_requested"),
        )
        or False,
        "status": _status(found, config),
        "occurred_at": as_time(values.get("occurred_at"), found.where("occurred_at")),
    }


def _candidates(value: Any) -> list[str]:
    items = value if isinstance(value, tuple) else (value,)
    texts = [text for item in items for text in (as_id(item), as_name(item)) if text]
    return list(dict.fromkeys(texts))


def _priority(found: Found, config: SourceConfig) -> Priority:
    candidates = _candidates(found.values.get("priority"))
    mapped = lookup(config.priority_map, *candidates) or lookup(_SAME_PRIORITY, *candidates)
    if mapped is not None:
        return mapped
    if config.default_priority is not None:
        found.defaulted.append("priority")
        return config.default_priority
    problem = f"unknown priority {candidates[0]!r}" if candidates else "missing"
    raise InvalidPayload(
        found.where("priority"), f"{problem}; known: {sorted(config.priority_map)}"
    )


def _status(found: Found, config: SourceConfig) -> str:
    candidates = _candidates(found.values.get("status"))
    mapped = lookup(config.status_map, *candidates)
    if mapped is not None:
        return mapped
    # An unmapped status passes through, normalised: the intake only acts on
    # `resolved` and `closed`, and an unknown state is still worth recording.
    return candidates[0].lower().replace(" ", "_")[:40] if candidates else config.default_status


def _service(found: Found, config: SourceConfig) -> str:
    service = as_name(found.values.get("service"))
    if service is not None:
        return service
    if config.default_service is None:
        raise InvalidPayload(found.where("service"), "missing, and no default service")
    found.defaulted.append("service")
    return config.default_service


def _validated(fields: dict[str, Any], found: Found) -> IncidentIn:
    try:
        return IncidentIn.model_validate(fields)
    except ValidationError as error:
        first = error.errors()[0]
        name = ".".join(str(part) for part in first["loc"])
        raise InvalidPayload(found.where(name), first["msg"]) from None
