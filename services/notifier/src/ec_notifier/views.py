"""What the notifier's routes answer: the shapes, for the OpenAPI document and
for checking each answer against it."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from ec_platform.openapi import Timestamp

Status = Literal["pending", "sending", "delivered", "failed"]


class DeliveryView(BaseModel):
    id: UUID
    event_id: UUID = Field(description="the escalation event it tells of")
    event_type: str
    escalation_id: UUID
    channel: str = Field(description="email or webhook")
    recipient: str = Field(description="an email address or a subscription's URL")
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


class SubscriptionCreated(SubscriptionView):
    secret: str = Field(
        description="signs each delivery (X-EC-Signature); shown this once, never again"
    )
