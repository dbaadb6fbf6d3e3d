"""One service's database: PostgreSQL (its own schema) or SQLite (its own file)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

import orjson
from opentelemetry.trace import SpanKind
from sqlalchemy import MetaData, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from ec_platform.inputs import redact_url
from ec_platform.observability.tracing import child_span


class Database:
    """Tables are declared in a logical schema named after the service. On
    PostgreSQL that is a real schema (renamable, so tests can isolate); on
    SQLite each service gets its own file, because SQLite has no schemas and
    one writer per file is the lock that matters there."""

    def __init__(self, engine: AsyncEngine, *, schema: str, physical_schema: str | None) -> None:
        self.engine = engine
        self.schema = schema
        self.physical_schema = physical_schema
        self.is_sqlite = engine.dialect.name == "sqlite"
        # SQLite allows one writer at a time; queueing writers here avoids
        # "database is locked" errors and lock upgrades that fail mid-transaction.
        self._write_lock = asyncio.Lock() if self.is_sqlite else None

    @classmethod
    def open(
        cls,
        url: str,
        *,
        schema: str,
        physical_schema: str | None = None,
        pool_size: int = 10,
    ) -> Database:
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise ValueError(f"not a database URL: {redact_url(url)!r}") from None
        options: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite":
            private: Path | None = None
            database = parsed.database or ":memory:"
            if database == ":memory:":
                options["poolclass"] = StaticPool
            else:
                path = Path(database)
                # The file holds secrets (subscriptions' keys, the outbox's
                # mail): a folder made here is its owner's alone.
                if not path.parent.exists():
                    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                path = path.with_name(f"{path.stem}-{schema}{path.suffix}")
                parsed = parsed.set(database=str(path))
                private = path
            translate: dict[str | None, str | None] = {schema: None}
            engine = create_async_engine(
                parsed, execution_options={"schema_translate_map": translate}, **options
            )
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
            if private is not None:
                event.listen(engine.sync_engine, "connect", _owner_only(private))
            return cls(engine, schema=schema, physical_schema=None)
        target = physical_schema or schema
        engine = create_async_engine(
            parsed,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=False,
            execution_options={"schema_translate_map": {schema: target}},
            # Event payloads are decoded by the million in replays: orjson is
            # several times faster than the standard library here.
            json_deserializer=orjson.loads,
            json_serializer=_json_text,
        )
        return cls(engine, schema=schema, physical_schema=target)

    async def create(self, metadata: MetaData, extra_ddl: Sequence[str] = ()) -> None:
        """Creates what is missing of tables that belong to no service (a test's,
        a benchmark's). A service's own tables come from its migrations
        (ec_platform.storage.migrations), never from here."""
        async with self.engine.begin() as conn:
            if not self.is_sqlite:
                # Callers starting at once would race on CREATE … IF NOT EXISTS.
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(hashtext(:s))"), {"s": self.physical_schema}
                )
                await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self.physical_schema}"'))
            await conn.run_sync(metadata.create_all)
            for statement in extra_ddl:
                await conn.execute(text(statement.replace("{schema}", self.qualifier)))

    @property
    def qualifier(self) -> str:
        """The prefix for hand-written SQL: `"schema".` on PostgreSQL, nothing on SQLite."""
        return "" if self.is_sqlite else f'"{self.physical_schema}".'

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction; committed when the block ends without error."""
        lock = self._write_lock or contextlib.nullcontext()
        attributes = {"db.system.name": self.engine.dialect.name, "db.namespace": self.schema}
        with child_span("transaction", kind=SpanKind.CLIENT, attributes=attributes):
            async with lock, self.engine.begin() as conn:
                yield conn

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            yield conn

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def close(self) -> None:
        await self.engine.dispose()


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def _owner_only(path: Path) -> Callable[[Any, Any], None]:
    """Once SQLite has made the file (and its journal), only its owner reads it."""

    def restrict(_connection: Any, _record: Any) -> None:
        for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            with contextlib.suppress(FileNotFoundError):
                file.chmod(0o600)

    return restrict


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the writer; FULL makes every commit durable
    # before an API answers 2xx.
    for pragma in (
        "PRAGMA journal_mode=WAL",
        "PRAGMA synchronous=FULL",
        "PRAGMA foreign_keys=ON",
        "PRAGMA busy_timeout=10000",
    ):
        cursor.execute(pragma)
    cursor.close()
