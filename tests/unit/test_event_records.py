"""The stored columns are one definition (StoredEvent's fields): every way a
row is written, read or hashed follows it."""

from __future__ import annotations

import uuid
from dataclasses import fields
from datetime import UTC, datetime

from ec_platform.storage.event_records import (
    BROUGHT_COLUMNS,
    COLUMNS,
    HASHED_COLUMNS,
    PLACED_COLUMNS,
    Append,
    NewEvent,
    StoredEvent,
    chain_hash,
    new_row,
    row_of,
    stored_from,
)

AT = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def new_event() -> NewEvent:
    return NewEvent(
        event_id=uuid.uuid4(),
        type="ProgressReported",
        data={"note": "3 of 5 restored"},
        actor_role="operator",
        actor_name="olivia",
        correlation_id="corr-1",
        causation_id="cause-1",
    )


def test_what_an_event_brings_and_what_the_log_adds_make_up_every_hashed_column() -> None:
    assert sorted((*BROUGHT_COLUMNS, *PLACED_COLUMNS)) == sorted(HASHED_COLUMNS)
    assert tuple(f.name for f in fields(StoredEvent)) == COLUMNS


def test_a_new_row_hashed_reads_back_as_the_stored_event_and_hashes_the_same() -> None:
    new = new_event()
    row = new_row(Append("s-1", 2, [new]), 0, new, position=41, recorded_at=AT)
    row["hash"] = chain_hash("previous", row)

    stored = stored_from(row)

    assert (stored.position, stored.stream_id, stored.stream_version) == (41, "s-1", 3)
    assert (stored.event_id, stored.data, stored.causation_id) == (
        new.event_id,
        new.data,
        "cause-1",
    )
    assert row_of(stored) == row
    assert chain_hash("previous", row_of(stored)) == stored.hash
