"""The read-only way in to an existing store, on SQLite and real PostgreSQL:
it reads what is there and the database itself refuses any write."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ec_escalation.domain import commands as c
from ec_escalation.service import open_store
from ec_escalation.store.audit import verify
from ec_escalation.store.existing import open_existing, require_event_store
from ec_escalation.store.tables import SCHEMA, define_tables
from ec_escalation.use_cases.escalations import Escalations
from ec_platform.clock import utc_now
from ec_platform.storage.database import Database
from ec_platform.storage.eventlog import EventLog
from harness.infra import DATABASES, database_of


@pytest.mark.parametrize("kind", DATABASES)
async def test_a_read_only_store_verifies_and_refuses_writes(kind: str, tmp_path: Path) -> None:
    async with database_of(kind, tmp_path) as url:
        writer = Database.open(url, schema=SCHEMA)
        try:
            escalations = Escalations(await open_store(writer), utc_now, lambda: None)
            await escalations.start(
                c.StartEscalation(trigger="manual", reason="r", title="t"), actor=("operator", "o")
            )
        finally:
            await writer.close()

        reader = open_existing(url, read_only=True)
        try:
            tables = define_tables()
            await require_event_store(reader, tables)
            outcome = await verify(EventLog(reader, tables.events))
            with pytest.raises(DBAPIError, match=r"read-only|readonly"):
                async with reader.transaction() as conn:
                    await conn.execute(text(f"DELETE FROM {reader.qualifier}board"))
        finally:
            await reader.close()

    assert outcome.ok
    assert outcome.checked == 1
