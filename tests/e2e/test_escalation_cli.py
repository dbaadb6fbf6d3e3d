"""The operators' and auditors' commands, as real processes: rebuild the read
models, verify the chain, and never create anything where there is no store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from ec_escalation.domain import commands as c
from ec_escalation.service import open_store
from ec_escalation.store.tables import SCHEMA
from ec_escalation.use_cases.escalations import Escalations
from ec_platform.clock import utc_now
from ec_platform.storage.database import Database

pytestmark = pytest.mark.e2e

NO_STORE = 3


def cli(*args: str, database_url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "EC_DATABASE_URL"}
    if database_url is not None:
        env["EC_DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "ec_escalation", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def seeded(database_url: str, escalations: int = 5) -> None:
    db = Database.open(database_url, schema=SCHEMA)
    try:
        handler = Escalations(await open_store(db), utc_now, lambda: None)
        for n in range(escalations):
            await handler.start(
                c.StartEscalation(trigger="manual", reason=f"call {n}", title="EU payments down"),
                actor=("operator", "olivia"),
            )
    finally:
        await db.close()


async def user_tables(postgres_url: str) -> list[str]:
    dsn = make_url(postgres_url).set(drivername="postgresql").render_as_string(False)
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
            "AND nspname NOT IN ('information_schema', 'public') "
            "UNION ALL SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        )
    finally:
        await conn.close()
    return [row[0] for row in rows]


async def test_rebuild_reports_progress_and_verify_reports_an_intact_chain(
    postgres_url: str,
) -> None:
    await seeded(postgres_url)

    rebuilt = cli("rebuild-projections", database_url=postgres_url)
    verified = cli("verify", database_url=postgres_url)

    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "5/5 events" in rebuilt.stdout
    assert "events/s" in rebuilt.stdout
    assert "rebuilt 5 escalations from 5 events" in rebuilt.stdout
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("ok: 5 events")


async def test_verify_reads_an_existing_sqlite_store(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/ec.db"
    await seeded(url, escalations=3)

    verified = cli("verify", "--database-url", url)

    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("ok: 3 events")


@pytest.mark.parametrize("command", ["verify", "rebuild-projections"])
def test_a_missing_sqlite_file_is_refused_and_nothing_is_created(
    tmp_path: Path, command: str
) -> None:
    folder = tmp_path / "nowhere"

    result = cli(command, database_url=f"sqlite+aiosqlite:///{folder}/ec.db")

    assert result.returncode == NO_STORE, result.stdout
    assert "no escalation database" in result.stderr
    assert "ok:" not in result.stdout
    assert not folder.exists()


def test_a_sqlite_file_without_the_event_store_is_refused_and_left_as_it_was(
    tmp_path: Path,
) -> None:
    empty = tmp_path / f"ec-{SCHEMA}.db"
    empty.write_bytes(b"")

    result = cli("verify", database_url=f"sqlite+aiosqlite:///{tmp_path}/ec.db")

    assert result.returncode == NO_STORE, result.stdout
    assert "no escalation event store" in result.stderr
    assert empty.read_bytes() == b""


@pytest.mark.parametrize("command", ["verify", "rebuild-projections"])
async def test_a_postgres_database_without_the_store_is_refused_and_no_table_is_created(
    postgres_url: str, command: str
) -> None:
    result = cli(command, database_url=postgres_url)

    assert result.returncode == NO_STORE, result.stdout
    assert "no escalation event store" in result.stderr
    assert await user_tables(postgres_url) == []


def test_a_postgres_database_that_does_not_exist_is_refused(postgres_url: str) -> None:
    missing = make_url(postgres_url).set(database="ec_no_such_database").render_as_string(False)

    result = cli("verify", database_url=missing)

    assert result.returncode == NO_STORE, result.stdout
    assert "cannot open the database" in result.stderr


def test_help_lists_the_commands_and_their_options() -> None:
    top = cli("--help")
    verify_help = cli("verify", "--help")
    serve_help = cli("serve", "--help")

    assert top.returncode == 0
    for command in ("serve", "rebuild-projections", "verify"):
        assert command in top.stdout
    assert "--database-url" in verify_help.stdout
    assert "--port" in serve_help.stdout


def test_without_a_database_url_verify_says_what_to_set() -> None:
    result = cli("verify")
    assert result.returncode == 2
    assert "EC_DATABASE_URL" in result.stderr
