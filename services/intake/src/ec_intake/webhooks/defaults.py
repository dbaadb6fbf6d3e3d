"""Each built-in platform's configuration, and overrides on top of it.

Sources: ServiceNow's incident state model and choice values; Jira's default
priority scheme and status categories (new, indeterminate, done); PagerDuty's V3
incident statuses and urgencies; the `severity` label convention of Prometheus
alerting rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ec_intake.webhooks.config import SourceConfig

MERGED_SETTINGS = (
    "priority_map",
    "status_map",
    "customer_tiers",
    "paths",
    "constants",
    "value_maps",
    "signature",
)

_SERVICENOW: dict[str, Any] = {
    # Codes as the record holds them, names as display values show them
    # (a display value like "1 - Critical" is read by its leading code).
    "priority_map": {
        **{str(n): f"P{n}" for n in range(1, 6)},
        **{"Critical": "P1", "High": "P2", "Moderate": "P3", "Low": "P4", "Planning": "P5"},
    },
    "status_map": {
        **{"1": "open", "2": "in_progress", "3": "on_hold", "6": "resolved", "7": "closed"},
        **{"New": "open", "In Progress": "in_progress", "On Hold": "on_hold"},
        **{"Resolved": "resolved", "Closed": "closed"},
        # Canceled ends the incident as surely as Closed; the native state stays
        # in attributes.
        **{"8": "closed", "Canceled": "closed", "Cancelled": "closed"},
    },
    "paths": {
        "customer.id": "company",
        "customer.name": "company",
        "service": ("business_service", "cmdb_ci"),
    },
}
_JIRA: dict[str, Any] = {
    "priority_map": {
        **{"Highest": "P1", "High": "P2", "Medium": "P3", "Low": "P4", "Lowest": "P5"},
        **{"Blocker": "P1", "Critical": "P2", "Major": "P3", "Minor": "P4", "Trivial": "P5"},
    },
    # A status's own name wins over its category (new, indeterminate, done).
    "status_map": {
        **{"new": "open", "indeterminate": "in_progress", "done": "resolved"},
        **{"Open": "open", "To Do": "open", "In Progress": "in_progress"},
        **{"Pending": "on_hold", "Waiting for customer": "on_hold"},
        **{"Resolved": "resolved", "Closed": "closed", "Canceled": "closed"},
    },
    # Jira Service Management's Organizations field; its id differs between sites.
    "paths": {
        "customer.id": "fields.customfield_10002",
        "customer.name": "fields.customfield_10002",
        "service": ("fields.components", "fields.project.name"),
    },
    "event_types": ("jira:issue_created", "jira:issue_updated"),
}
_PAGERDUTY: dict[str, Any] = {
    # `priority.summary` (P1..P5 pass through as they are) when the account uses
    # incident priorities, else the urgency.
    "priority_map": {"high": "P2", "low": "P4"},
    "status_map": {"triggered": "open", "acknowledged": "in_progress", "resolved": "resolved"},
    "paths": {"service": "service.summary"},
    "event_types": (
        "incident.triggered",
        "incident.acknowledged",
        "incident.escalated",
        "incident.priority_updated",
        "incident.reopened",
        "incident.resolved",
    ),
    "signature": {"scheme": "pagerduty"},
}
_ALERTMANAGER: dict[str, Any] = {
    # The `severity` label; an alert without one is P3.
    "priority_map": {
        **{"critical": "P1", "high": "P2", "error": "P2", "warning": "P3", "medium": "P3"},
        **{"low": "P4", "info": "P5", "none": "P5"},
    },
    "default_priority": "P3",
    "status_map": {"firing": "open", "resolved": "resolved"},
    "paths": {
        "customer.id": "labels.customer",
        "customer.name": ("labels.customer_name", "labels.customer"),
        "customer.tier": "labels.customer_tier",
        "service": ("labels.service", "labels.job", "labels.alertname"),
    },
}
PLATFORM_DEFAULTS: dict[str, dict[str, Any]] = {
    "servicenow": _SERVICENOW,
    "jira": _JIRA,
    "pagerduty": _PAGERDUTY,
    "alertmanager": _ALERTMANAGER,
    "generic": {},
}


def source_config(source: str, overrides: Mapping[str, Any] | None = None) -> SourceConfig:
    """The configuration of `source`: its platform's defaults, then `overrides`.

    The platform is `overrides["platform"]`, else the source's own name
    (`servicenow`, `jira`, `pagerduty`, `alertmanager`). The maps in
    MERGED_SETTINGS gain or change entries; every other setting is replaced.
    Raises pydantic's ValidationError (or KeyError for an unknown platform)."""
    overrides = dict(overrides or {})
    platform = overrides.pop("platform", source)
    if platform not in PLATFORM_DEFAULTS:
        raise KeyError(f"{source}: unknown platform {platform!r}; name one in `platform`")
    merged: dict[str, Any] = {**PLATFORM_DEFAULTS[platform], "source": source}
    for key, value in overrides.items():
        if key in MERGED_SETTINGS and isinstance(value, Mapping):
            merged[key] = {**merged.get(key, {}), **value}
        else:
            merged[key] = value
    return SourceConfig.model_validate({**merged, "platform": platform})
