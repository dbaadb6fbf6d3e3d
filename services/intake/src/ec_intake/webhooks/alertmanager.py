"""Prometheus Alertmanager's webhook receiver, payload version 4: a group of
alerts `{"version": "4", "groupKey", "truncatedAlerts", "status", "receiver",
"groupLabels", "commonLabels", "commonAnnotations", "externalURL", "alerts": [...]}`.

Every alert is its own incident, identified by its fingerprint (stable for its
label set), so a group that changes shape still updates the same incidents. The
customer is the `customer` label, or whatever `customer_mappings` say of other
labels (`labels.team`, `labels.namespace`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ec_intake.domain import IncidentIn
from ec_intake.webhooks.assemble import Found, build_incident
from ec_intake.webhooks.config import SourceConfig
from ec_intake.webhooks.errors import InvalidPayload, NotAnIncident
from ec_intake.webhooks.extract import as_id, first_present, require_mapping

# Alertmanager's "not yet ended": the Go zero time.
_NO_END = "0001-01-01"
_TITLES = (
    "annotations.summary",
    "annotations.title",
    "annotations.description",
    "labels.alertname",
)


def to_incidents(payload: Mapping[str, Any], config: SourceConfig) -> list[IncidentIn]:
    version = as_id(payload.get("version"))
    if version != "4":
        raise InvalidPayload("version", f"expected Alertmanager webhook version 4, got {version!r}")
    alerts = payload.get("alerts")
    if not isinstance(alerts, list):
        raise InvalidPayload("alerts", "expected a list of alerts")
    if not alerts:
        raise NotAnIncident("no_alerts", "an Alertmanager group without alerts")
    return [_incident(payload, alert, f"alerts.{i}", config) for i, alert in enumerate(alerts)]


def _merged(payload: Mapping[str, Any], alert: Mapping[str, Any], name: str) -> dict[str, Any]:
    common, own = payload.get(f"common{name.title()}"), alert.get(name)
    return {
        **(common if isinstance(common, Mapping) else {}),
        **(own if isinstance(own, Mapping) else {}),
    }


def _incident(payload: Mapping[str, Any], raw: Any, where: str, config: SourceConfig) -> IncidentIn:
    alert = require_mapping(raw, where)
    # The alert with the group's common labels and annotations folded in, so
    # configured paths such as `labels.customer` see both.
    record = {
        **alert,
        "labels": _merged(payload, alert, "labels"),
        "annotations": _merged(payload, alert, "annotations"),
    }
    status = as_id(alert.get("status")) or as_id(payload.get("status"))
    ends_at = as_id(alert.get("endsAt"))
    ended = status == "resolved" and ends_at is not None and not ends_at.startswith(_NO_END)

    found = Found()
    found.put("external_id", alert.get("fingerprint"), f"{where}.fingerprint")
    title_path, title = first_present(record, _TITLES) or (_TITLES[0], None)
    found.put("title", title, f"{where}.{title_path}")
    found.put("priority", record["labels"].get("severity"), f"{where}.labels.severity")
    found.put("status", status, f"{where}.status")
    time_field = "endsAt" if ended else "startsAt"
    found.put("occurred_at", alert.get(time_field), f"{where}.{time_field}")
    found.attributes.update(_attributes(payload, record, ended))
    title = f"Alert {as_id(alert.get('fingerprint'))}"
    return build_incident(found, record, config, prefix=where, fallback_title=title)


def _attributes(payload: Mapping[str, Any], record: dict[str, Any], ended: bool) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "labels": record["labels"],
        "annotations": record["annotations"],
    }
    keys = ("fingerprint", "generatorURL", "startsAt", *(("endsAt",) if ended else ()))
    attributes.update({key: record[key] for key in keys if as_id(record.get(key))})
    group = ("groupKey", "receiver", "externalURL")
    attributes.update({key: payload[key] for key in group if as_id(payload.get(key))})
    if isinstance(payload.get("truncatedAlerts"), int) and payload["truncatedAlerts"] > 0:
        attributes["truncatedAlerts"] = payload["truncatedAlerts"]
    return attributes
