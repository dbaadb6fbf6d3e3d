"""The real PostgreSQL and Kafka that `make test` starts, and per-test isolation
on them: a fresh database and a fresh topic prefix for every test that asks."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url


def _required(variable: str, what: str) -> str:
    value = os.environ.get(variable)
    if value:
        return value
    if os.environ.get("EC_TEST_REQUIRE_INFRA") == "1":
        raise RuntimeError(f"{variable} is not set: `make test` should have started {what}")
    pytest.skip(f"{what} is not running (run the suite with `make test`)")


def postgres_server_url() -> str:
    return _required("EC_TEST_DATABASE_URL", "PostgreSQL")


def kafka_bootstrap() -> str:
    return _required("EC_TEST_KAFKA", "Kafka")


def asyncpg_dsn(url: str) -> str:
    """`url` (SQLAlchemy's asyncpg form) as asyncpg itself takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    """A database of its own for one test, dropped afterwards."""
    server = postgres_server_url()
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(asyncpg_dsn(server))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def fresh_topic_prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}."


DATABASES = ["sqlite", "postgres"]


@asynccontextmanager
async def database_of(kind: str, folder: Path) -> AsyncIterator[str]:
    """A database URL of either kind, for contract tests run against both."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{folder}/ec.db"
    else:
        async with fresh_database() as url:
            yield url
