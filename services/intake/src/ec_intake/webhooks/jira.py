"""Jira Service Management: the `jira:issue_created` and `jira:issue_updated`
webhooks, `{"webhookEvent", "timestamp", "user", "issue": {"id", "key", "fields"},
"changelog"}`, and an automation rule's issue payload (no `webhookEvent`).
Customer fields are site-specific custom fields, so where the customer (by
default the Organizations field) and the service live is configuration; a
project without organisations names its customer through `customer_mappings`
(on the project, a component, a custom field). Other events (`comment_created`,
`jira:issue_deleted`, ...) are ignored."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ec_intake.domain import IncidentIn
from ec_intake.webhooks.assemble import Found, build_incident
from ec_intake.webhooks.config import SourceConfig
from ec_intake.webhooks.errors import NotAnIncident
from ec_intake.webhooks.extract import as_id, as_name, dig, present, require_mapping


def to_incidents(payload: Mapping[str, Any], config: SourceConfig) -> list[IncidentIn]:
    event = as_id(payload.get("webhookEvent"))
    # Automation rules' "Send web request" posts the issue without a webhookEvent.
    if event is not None and event not in config.event_types:
        raise NotAnIncident(
            "event_type", f"Jira event {event!r} is not one of {list(config.event_types)}"
        )
    issue = require_mapping(payload.get("issue"), "issue")
    fields = require_mapping(issue.get("fields"), "issue.fields")

    found = Found()
    found.put("external_id", issue.get("key"), "issue.key")
    found.put("title", fields.get("summary"), "issue.fields.summary")
    found.put("priority", fields.get("priority"), "issue.fields.priority.name")
    # The status's own name first: a site's "Canceled" means more than its category.
    status = (dig(fields, "status.name"), dig(fields, "status.statusCategory.key"))
    found.put("status", status, "issue.fields.status.name")
    updated = "updated" if present(fields.get("updated")) else "created"
    found.put("occurred_at", fields.get(updated), f"issue.fields.{updated}")
    found.attributes.update(_attributes(payload, issue, fields))
    # The REST API addresses an issue by its key, which people know it by too.
    found.put("platform_record.record_id", issue.get("key"), "issue.key")
    kind = as_name(fields.get("issuetype")) or "issue"
    title = f"Jira {kind} {as_id(issue.get('key'))}"
    return [
        build_incident(found, issue, config, prefix="issue", fallback_title=title, platform="jira")
    ]


def _attributes(
    payload: Mapping[str, Any], issue: Mapping[str, Any], fields: Mapping[str, Any]
) -> dict[str, Any]:
    names = {
        "jira_event": as_id(payload.get("webhookEvent")),
        "jira_issue_id": as_id(issue.get("id")),
        "jira_key": as_id(issue.get("key")),
        "jira_status": as_name(fields.get("status")),
        "jira_priority": as_name(fields.get("priority")),
        "jira_issue_type": as_name(fields.get("issuetype")),
    }
    attributes: dict[str, Any] = {k: v for k, v in names.items() if v is not None}
    labels = fields.get("labels")
    if isinstance(labels, list) and labels:
        attributes["labels"] = [str(label) for label in labels]
    components = fields.get("components")
    if isinstance(components, list) and components:
        attributes["components"] = [as_name(c) for c in components if as_name(c)]
    return attributes
