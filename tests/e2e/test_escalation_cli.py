"""The operators' and auditors' commands: rebuild the read models, verify the chain."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ec_escalation import commands as c
from ec_escalation.handlers import Escalations
from ec_escalation.service import open_store
from ec_escalation.tables import SCHEMA
from ec_platform.clock import utc_now
from ec_platform.database import Database

pytestmark = pytest.mark.e2e


def cli(command: str, database_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ec_escalation", command],
        env={**os.environ, "EC_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_rebuild_reports_progress_and_verify_reports_an_intact_chain(
    postgres_url: str,
) -> None:
    db = Database.open(postgres_url, schema=SCHEMA)
    try:
        escalations = Escalations(await open_store(db), utc_now, lambda: None)
        for n in range(5):
            await escalations.start(
                c.StartEscalation(trigger="manual", reason=f"call {n}", title="EU payments down"),
                actor=("operator", "olivia"),
            )
    finally:
        await db.close()

    rebuilt = cli("rebuild-projections", postgres_url)
    verified = cli("verify", postgres_url)

    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "5/5 events" in rebuilt.stdout
    assert "events/s" in rebuilt.stdout
    assert "rebuilt 5 escalations from 5 events" in rebuilt.stdout
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("ok: 5 events")
