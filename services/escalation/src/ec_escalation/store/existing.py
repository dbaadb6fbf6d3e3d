"""Opening an escalation store that must already exist, for the operators' and
auditors' commands: nothing is ever created here (no file, no folder, no
schema, no table), and a read-only command reads through a read-only
connection (SQLite `mode=ro`; PostgreSQL `default_transaction_read_only`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import create_async_engine

from ec_escalation.store.tables import SCHEMA, Tables
from ec_platform.storage.database import Database


class NoStore(Exception):
    """Nothing to work on: no database there, or no event store in it."""


def sqlite_file(url: URL) -> Path | None:
    """The file the escalation service keeps its tables in, for a SQLite URL
    (Database.open gives each service `<stem>-<schema><suffix>`)."""
    if url.get_backend_name() != "sqlite":
        return None
    path = Path(url.database or ":memory:")
    return path.with_name(f"{path.stem}-{SCHEMA}{path.suffix}")


def open_existing(url_text: str, *, read_only: bool) -> Database:
    url = make_url(url_text)
    file = sqlite_file(url)
    if file is not None and url.database in (None, "", ":memory:"):
        raise NoStore("an in-memory SQLite database holds no escalation store")
    if file is not None and not file.is_file():
        raise NoStore(f"no escalation database at {file}")
    if not read_only:
        return Database.open(url_text, schema=SCHEMA)
    if file is not None:
        engine = create_async_engine(
            f"sqlite+aiosqlite:///file:{quote(str(file.resolve()))}?mode=ro&uri=true",
            execution_options={"schema_translate_map": {SCHEMA: None}},
        )
        return Database(engine, schema=SCHEMA, physical_schema=None)
    engine = create_async_engine(
        url,
        connect_args={"server_settings": {"default_transaction_read_only": "on"}},
        execution_options={"schema_translate_map": {SCHEMA: SCHEMA}},
        json_deserializer=orjson.loads,
    )
    return Database(engine, schema=SCHEMA, physical_schema=SCHEMA)


async def require_event_store(db: Database, tables: Tables, *, as_of_today: bool = True) -> None:
    """NoStore unless the database answers and holds the event store's table,
    with today's columns unless `as_of_today` is False (a command that opens
    the store for writing, which adds them as the service does)."""
    name = tables.events.name
    try:
        async with db.read() as conn:
            columns = await conn.run_sync(lambda sync: _columns_of(sync, name, db))
    except (SQLAlchemyError, OSError) as error:
        cause = getattr(error, "orig", None) or error
        raise NoStore(f"cannot open the database: {cause}") from None
    if columns is None:
        where = f"schema {db.physical_schema!r}" if db.physical_schema else "the database"
        raise NoStore(f"no escalation event store ({name!r} table) in {where}")
    missing = [c.name for c in tables.events.columns if c.name not in columns]
    if missing and as_of_today:
        raise NoStore(
            f"the event store predates its columns {missing}: run `python -m ec_escalation "
            "migrate` on it (which adds them, changing no stored event), then run this again"
        )


def _columns_of(sync: Any, table: str, db: Database) -> set[str] | None:
    inspector = inspect(sync)
    if not inspector.has_table(table, schema=db.physical_schema):
        return None
    return {column["name"] for column in inspector.get_columns(table, schema=db.physical_schema)}
