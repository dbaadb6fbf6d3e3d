"""What the notifier's routes answer: the shapes, for the OpenAPI document and
for checking each answer against it."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from ec_platform.http.openapi import Timestamp

Status = Literal["pending", "sending", "delivered", "failed", "held"]


class DeliveryView(BaseModel):
    id: UUID
    event_id: UUID = Field(description="the escalation event it tells of")
    event_type: str
    escalation_id: UUID
    channel: str = Field(
        description="email, slack, teams, webhook, subscription, log; servicenow, jira, "
        "pagerduty (a note on an incident record), servicenow-problem, jira-problem (a new "
        "problem record), escalation-link (a created problem record linked back)"
    )
    recipient: str = Field(
        description="an email address, a URL, a subscription's id, an incident record's id "
        "(sys_id, issue key, PagerDuty id), `problem <n>` or `problem <number>`"
    )
    recipient_name: str
    role: str = Field(description="why the recipient hears of it (manager, customer, …)")
    subject: str
    status: Status
    attempts: int
    last_error: str | None
    created_at: Timestamp
    updated_at: Timestamp
    next_attempt_at: Timestamp | None = Field(
        description="while pending or sending: the next attempt, or the end of the claim's lease"
    )
    delivered_at: Timestamp | None


class DeliveryDetail(DeliveryView):
    body: str = Field(description="the text sent (for a webhook, the CloudEvent)")


class SubscriptionView(BaseModel):
    id: UUID
    url: str
    event_types: list[str] | None = Field(description="null means every escalation event")
    created_at: Timestamp
    created_by: str
    status: Literal["active", "suspended"] = Field(
        description="suspended: every delivery failed for EC_NOTIFIER_SUSPEND_AFTER_S; its "
        "deliveries are held until POST /v1/subscriptions/{id}/resume"
    )
    failing_since: Timestamp | None = Field(
        description="since when every attempt has failed; null once one is delivered"
    )
    suspended_at: Timestamp | None
    suspended_reason: str | None = Field(description="why, naming the last error")
    held_deliveries: int = Field(description="deliveries held back while it is suspended")


class SubscriptionCreated(SubscriptionView):
    secret: str = Field(
        description="signs each delivery (X-EC-Signature); shown this once, never again"
    )


class OutboxMessageView(BaseModel):
    """An email kept in the outbox, as its recipient would have seen it."""

    model_config = ConfigDict(populate_by_name=True)

    id: UUID = Field(description="the delivery's id (GET /v1/deliveries/{id})")
    delivery_id: UUID
    event_id: UUID = Field(description="the escalation event it tells of")
    event_type: str
    escalation_id: UUID
    from_: str = Field(alias="from", description="the From header (EC_SMTP_FROM)")
    to: str = Field(description="the recipient's address")
    to_name: str
    subject: str
    date: Timestamp = Field(description="when it was written (its Date header)")
    message_id: str = Field(description="the Message-ID header: <delivery id@sender's domain>")


class OutboxMessage(OutboxMessageView):
    headers: list[tuple[str, str]] = Field(description="every header, in order")
    body: str = Field(description="the plain-text body")
