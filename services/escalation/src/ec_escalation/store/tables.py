"""The escalation service's tables: the event store and what is derived from it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    text,
)

from ec_escalation.domain.measures import SETTLED_DURATIONS
from ec_platform.storage.checkpoints import checkpoint_table
from ec_platform.storage.eventlog import event_log_table
from ec_platform.storage.inbox import inbox_table
from ec_platform.storage.sqltypes import Json, UtcDateTime

SCHEMA = "escalation"
STORED_DURATIONS = SETTLED_DURATIONS
COUNTS = (
    "raises_manual",
    "raises_automatic",
    "missed_plan_review",
    "missed_progress_update",
    "monitoring_passed",
    "recurrences",
    "problem_inputs",
)


@dataclass(frozen=True)
class Tables:
    metadata: MetaData
    events: Table
    checkpoints: Table
    inbox: Table
    board: Table
    incident_links: Table
    incidents: Table
    snapshots: Table
    incident_decisions: Table
    measures: Table
    customer_links: Table

    @property
    def derived(self) -> tuple[Table, ...]:
        """Everything rebuildable from the events. Not the incident decisions:
        most decide that nothing happens, which no escalation event records."""
        return (self.board, self.incident_links, self.snapshots, self.measures)


def _board(metadata: MetaData) -> Table:
    return Table(
        "board",
        metadata,
        Column("escalation_id", Uuid, primary_key=True),
        # The stream version this row reflects: re-applying older events is a no-op.
        Column("version", Integer, nullable=False),
        Column("status", String(30), nullable=False),
        Column("level", Integer, nullable=False),
        Column("title", String(10_000), nullable=False),
        Column("priority", String(2)),
        Column("customer_id", String(200)),
        Column("customer_name", String(200)),
        Column("service", String(200)),
        Column("manager_id", String(200)),
        Column("manager_name", String(200)),
        Column("plan_version", Integer, nullable=False),
        Column("review_by", UtcDateTime()),
        Column("next_update_due", UtcDateTime()),
        Column("monitoring_round", Integer, nullable=False),
        Column("monitoring_ends_at", UtcDateTime()),
        Column("recurrences", Integer, nullable=False),
        Column("started_at", UtcDateTime(), nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
        Index("ix_board_started", "started_at", "escalation_id"),
        Index("ix_board_customer_service", "customer_id", "service"),
        schema=SCHEMA,
    )


def _measures(metadata: MetaData) -> Table:
    """How each escalation performed (ec_escalation.domain.measures): durations in
    seconds (null until it gets there), counts, what reports group by, and the
    trail the next events continue from."""
    return Table(
        "measures",
        metadata,
        Column("escalation_id", Uuid, primary_key=True),
        Column("version", Integer, nullable=False),
        Column("started_at", UtcDateTime(), nullable=False),
        Column("status", String(30), nullable=False),
        Column("status_since", UtcDateTime(), nullable=False),
        Column("level", Integer, nullable=False),
        Column("customer_id", String(200)),
        Column("service", String(200)),
        Column("manager_id", String(200)),
        *(Column(name, Float) for name in STORED_DURATIONS),
        *(Column(name, Integer, nullable=False) for name in COUNTS),
        Column("closed_with_agreement", Boolean, nullable=False),
        Column("trail", Json, nullable=False),
        Index("ix_measures_started", "started_at", "escalation_id"),
        schema=SCHEMA,
    )


def _incident_decisions(metadata: MetaData) -> Table:
    # What the service decided on each incident event it consumed, and why:
    # written in the transaction of the decision (and of its command, if any).
    return Table(
        "incident_decisions",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("incident_id", Uuid, nullable=False),
        # The incident event's envelope id (ce_id) and type.
        Column("message_id", String(200), nullable=False),
        Column("event_type", String(60), nullable=False),
        Column("decided_at", UtcDateTime(), nullable=False),
        Column("outcome", String(20), nullable=False),
        Column("escalation_id", Uuid),
        Column("explanation", Text, nullable=False),
        Column("criteria_version", String(200), nullable=False),
        # [{id, description, matched, unmet: [...]}] for every rule.
        Column("rules", Json, nullable=False),
        # The facts the rules looked at: priority, customer, service, flags.
        Column("facts", Json, nullable=False),
        Index("ix_incident_decisions_incident", "incident_id", "decided_at", "id"),
        schema=SCHEMA,
    )


def _customer_links(metadata: MetaData) -> Table:
    # Each customer contact's personal links (ec_escalation.domain.customer_links):
    # only the token's SHA-256, never the token. Not derived from the events.
    return Table(
        "customer_links",
        metadata,
        Column("token_hash", String(64), primary_key=True),
        Column("escalation_id", Uuid, nullable=False),
        Column("contact_email", String(320), nullable=False),
        Column("contact_name", String(200), nullable=False),
        Column("issued_at", UtcDateTime(), nullable=False),
        Column("revoked_at", UtcDateTime()),
        # "notifier" for a link made for a mail; "role:name" of an operator who
        # issued one by hand; null for links issued before this was kept.
        Column("issued_by", String(200)),
        Index("ix_customer_links_contact", "escalation_id", "contact_email"),
        schema=SCHEMA,
    )


def define_tables() -> Tables:
    metadata = MetaData()
    incident_links = Table(
        "incident_links",
        metadata,
        Column("incident_id", Uuid, primary_key=True),
        Column("escalation_id", Uuid, primary_key=True),
        Column("open", Boolean, nullable=False),
        # One incident never has two open escalations, even when two consumers
        # race on the same report: the second insert fails and is retried.
        Index(
            "uq_incident_links_one_open",
            "incident_id",
            unique=True,
            postgresql_where=text("open"),
            sqlite_where=text("open"),
        ),
        schema=SCHEMA,
    )
    # The latest facts of every incident the service has heard of: for manual
    # starts by incident id, and for the repeated-incidents criterion.
    incidents = Table(
        "incidents",
        metadata,
        Column("incident_id", Uuid, primary_key=True),
        Column("customer_id", String(200), nullable=False),
        Column("service", String(200), nullable=False),
        Column("facts", Json, nullable=False),
        Column("first_seen_at", UtcDateTime(), nullable=False),
        Column("last_seen_at", UtcDateTime(), nullable=False),
        Index("ix_incidents_customer_service", "customer_id", "service", "first_seen_at"),
        schema=SCHEMA,
    )
    snapshots = Table(
        "snapshots",
        metadata,
        Column("escalation_id", Uuid, primary_key=True),
        Column("version", Integer, nullable=False),
        Column("state_schema", Integer, nullable=False),
        Column("state", Json, nullable=False),
        schema=SCHEMA,
    )
    return Tables(
        metadata=metadata,
        incident_decisions=_incident_decisions(metadata),
        events=event_log_table(metadata, schema=SCHEMA),
        checkpoints=checkpoint_table(metadata, schema=SCHEMA),
        inbox=inbox_table(metadata, schema=SCHEMA),
        board=_board(metadata),
        incident_links=incident_links,
        incidents=incidents,
        snapshots=snapshots,
        measures=_measures(metadata),
        customer_links=_customer_links(metadata),
    )
