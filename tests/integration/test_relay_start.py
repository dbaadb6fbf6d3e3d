"""Where a relay starts: after its checkpoint on a durable bus (Kafka keeps what
was published), from the beginning on the in-process bus (what it held died
with the last process, consumed or not)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import MetaData

from ec_events.escalations import RecordLinked
from ec_platform.bus import InMemoryBus
from ec_platform.bus.relay import Relay
from ec_platform.storage.checkpoints import checkpoint_table, save_checkpoint
from ec_platform.storage.database import Database
from ec_platform.storage.eventlog import EventLog, NewEvent, event_log_table


class DurableMemoryBus(InMemoryBus):
    durable = True


async def relay_after_a_restart(tmp_path: Path, bus: InMemoryBus) -> Relay:
    db = Database.open(f"sqlite+aiosqlite:///{tmp_path}/relay.db", schema="relay")
    metadata = MetaData()
    log = EventLog(db, event_log_table(metadata, schema="relay"))
    checkpoints = checkpoint_table(metadata, schema="relay")
    await db.create(metadata)
    escalation = uuid.uuid4()
    event = RecordLinked(escalation_id=escalation, kind="problem", ref="PRB1")
    async with db.transaction() as conn:
        stored = await log.append(
            conn,
            str(escalation),
            0,
            [NewEvent.of(event, event_id=uuid.uuid4(), actor=("operator", "o")) for _ in range(3)],
            recorded_at=datetime.now(UTC),
        )
        # the previous process had published all three and checkpointed
        await save_checkpoint(conn, checkpoints, "r", stored[-1].position)
    return Relay(
        name="r", db=db, log=log, checkpoints=checkpoints, bus=bus, topic="t", source="/test"
    )


async def test_on_the_in_process_bus_a_restarted_relay_publishes_everything_again(
    tmp_path: Path,
) -> None:
    bus = InMemoryBus()
    relay = await relay_after_a_restart(tmp_path, bus)
    try:
        assert await relay.publish_pending() == 3
        assert len(bus.messages("t")) == 3
    finally:
        await relay.db.close()


async def test_on_a_durable_bus_a_restarted_relay_starts_after_its_checkpoint(
    tmp_path: Path,
) -> None:
    bus = DurableMemoryBus()
    relay = await relay_after_a_restart(tmp_path, bus)
    try:
        assert await relay.publish_pending() == 0
        assert bus.messages("t") == []
    finally:
        await relay.db.close()
