"""The intake's tables in its own schema: the event log, the relay's checkpoints,
the incidents projection and the deliveries seen. The store writes them; the
migrations describe their history."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import MetaData, Table

from ec_intake.deliveries import deliveries_table
from ec_intake.incidents import incidents_table
from ec_platform.storage.checkpoints import checkpoint_table
from ec_platform.storage.eventlog import event_log_table

SCHEMA = "intake"


@dataclass(frozen=True)
class Tables:
    metadata: MetaData
    events: Table
    checkpoints: Table
    incidents: Table
    deliveries: Table


def define_tables() -> Tables:
    metadata = MetaData()
    return Tables(
        metadata=metadata,
        events=event_log_table(metadata, schema=SCHEMA),
        checkpoints=checkpoint_table(metadata, schema=SCHEMA),
        incidents=incidents_table(metadata, schema=SCHEMA),
        deliveries=deliveries_table(metadata, schema=SCHEMA),
    )
