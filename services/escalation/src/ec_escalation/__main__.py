"""`python -m ec_escalation` serves; `… rebuild-projections` and `… verify` are
the operators' and auditors' commands over the same database."""

from __future__ import annotations

import asyncio
import sys

from ec_escalation.app import create_app
from ec_escalation.audit import verify
from ec_escalation.rebuild import print_progress, rebuild
from ec_escalation.service import open_store
from ec_escalation.settings import DEFAULT_PORT, EscalationSettings
from ec_escalation.tables import SCHEMA
from ec_platform.database import Database
from ec_platform.serve import serve


async def _run(command: str) -> int:
    settings = EscalationSettings()
    if not settings.database_url:
        print("set EC_DATABASE_URL", file=sys.stderr)
        return 2
    db = Database.open(settings.database_url, schema=SCHEMA)
    try:
        store = await open_store(db)
        if command == "rebuild-projections":
            result = await rebuild(store, progress=print_progress)
            print(
                f"rebuilt {result.escalations:,} escalations from {result.events:,} events "
                f"in {result.seconds:.1f} s ({result.rate:,.0f} events/s)"
            )
            return 0
        outcome = await verify(store.log)
        if outcome.ok:
            print(f"ok: {outcome.checked:,} events, every hash chain intact")
            return 0
        print(f"BROKEN at position {outcome.first_broken_position}: {outcome.reason}")
        return 1
    finally:
        await db.close()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("rebuild-projections", "verify"):
        sys.exit(asyncio.run(_run(sys.argv[1])))
    serve(create_app, name="escalation", default_port=DEFAULT_PORT)
