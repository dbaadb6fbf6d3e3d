"""The notifier's tables: the delivery log, the audiences it keeps, the events
webhooks carry, subscriptions, the consumer's inbox, and the email outbox."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)

from ec_platform.storage.inbox import inbox_table
from ec_platform.storage.sqltypes import Json, UtcDateTime, trace_context_columns

SCHEMA = "notifier"
# `held`: kept back while its subscription is suspended, pending again on resuming.
STATUSES = ("pending", "sending", "delivered", "failed", "held")
# Rows the dispatcher may claim: pending ones when due, sending ones whose
# lease ran out (their process died); `next_attempt_at` holds the lease's end.
CLAIMABLE = "status IN ('pending', 'sending')"
HAS_SUBSCRIPTION = "subscription_id IS NOT NULL"


@dataclass(frozen=True)
class Tables:
    metadata: MetaData
    deliveries: Table
    audiences: Table
    events: Table
    subscriptions: Table
    inbox: Table
    outbox: Table


def define_tables() -> Tables:
    metadata = MetaData()
    deliveries = Table(
        "deliveries",
        metadata,
        # Derived from (event, channel, recipient): the same delivery has the
        # same id wherever and however often it is worked out.
        Column("id", Uuid, primary_key=True),
        Column("event_id", Uuid, nullable=False),
        Column("event_type", String(100), nullable=False),
        Column("escalation_id", Uuid, nullable=False),
        Column("channel", String(40), nullable=False),
        Column("recipient", String(2000), nullable=False),
        Column("recipient_name", String(200), nullable=False),
        Column("role", String(200), nullable=False),
        Column("subscription_id", Uuid),
        # What the per-host limits and circuits count by: scheme://host:port.
        Column("host", String(300), nullable=False),
        Column("subject", String(1000), nullable=False),
        Column("body", Text, nullable=False),
        Column("status", String(20), nullable=False),
        Column("attempts", Integer, nullable=False, default=0),
        Column("last_error", Text),
        Column("claim_token", Uuid),
        Column("next_attempt_at", UtcDateTime(), nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
        Column("delivered_at", UtcDateTime()),
        # The trace of the consumed event, continued by each attempt.
        *trace_context_columns(),
        # One event reaches one recipient on one channel once, however often
        # Kafka re-delivers it.
        UniqueConstraint("event_id", "channel", "recipient", name="uq_deliveries_once"),
        Index(
            "ix_deliveries_claimable",
            "next_attempt_at",
            postgresql_where=text(CLAIMABLE),
            sqlite_where=text(CLAIMABLE),
        ),
        Index("ix_deliveries_escalation", "escalation_id", "created_at"),
        Index("ix_deliveries_status", "status", "created_at"),
        Index("ix_deliveries_created", "created_at", "id"),
        # A subscription's held and failed deliveries, found on suspending and resuming it.
        Index(
            "ix_deliveries_subscription",
            "subscription_id",
            "status",
            postgresql_where=text(HAS_SUBSCRIPTION),
            sqlite_where=text(HAS_SUBSCRIPTION),
        ),
        schema=SCHEMA,
    )
    audiences = Table(
        "audiences",
        metadata,
        Column("escalation_id", Uuid, primary_key=True),
        Column("audience", Json, nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
        schema=SCHEMA,
    )
    events = Table(
        "events",
        metadata,
        # The CloudEvent in structured mode, as webhooks and subscriptions carry it.
        Column("event_id", Uuid, primary_key=True),
        Column("cloudevent", Json, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        schema=SCHEMA,
    )
    subscriptions = Table(
        "subscriptions",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("url", String(2000), nullable=False),
        # Needed in clear to sign; shown to the subscriber once, never listed.
        Column("secret", String(200), nullable=False),
        Column("event_types", Json),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("created_by", String(200), nullable=False),
        # Since when every attempt has failed (None: the last one was delivered).
        Column("failing_since", UtcDateTime()),
        # Set when it has failed for too long: nothing is attempted until resumed.
        Column("suspended_at", UtcDateTime()),
        Column("suspended_reason", Text),
        schema=SCHEMA,
    )
    return Tables(
        metadata=metadata,
        deliveries=deliveries,
        audiences=audiences,
        events=events,
        subscriptions=subscriptions,
        inbox=inbox_table(metadata, schema=SCHEMA),
        outbox=outbox_table(metadata),
    )


def outbox_table(metadata: MetaData) -> Table:
    """Email kept instead of sent (no SMTP server: the embedded mode, or
    EC_EMAIL_OUTBOX): each message as its recipient would have seen it."""
    return Table(
        "outbox",
        metadata,
        # The delivery's id: a delivery sent again after a crash is one message.
        Column("id", Uuid, primary_key=True),
        Column("event_id", Uuid, nullable=False),
        Column("event_type", String(100), nullable=False),
        Column("escalation_id", Uuid, nullable=False),
        Column("sender", String(400), nullable=False),
        Column("to_address", String(2000), nullable=False),
        Column("to_name", String(200), nullable=False),
        Column("subject", String(1000), nullable=False),
        Column("message_id", String(400), nullable=False),
        Column("headers", Json, nullable=False),
        Column("body", Text, nullable=False),
        # The whole message (RFC 5322), as an SMTP server would have received it.
        Column("raw", Text, nullable=False),
        Column("sent_at", UtcDateTime(), nullable=False),
        Index("ix_outbox_sent", "sent_at", "id"),
        Index("ix_outbox_escalation", "escalation_id", "sent_at"),
        Index("ix_outbox_to", "to_address", "sent_at"),
        schema=SCHEMA,
    )
