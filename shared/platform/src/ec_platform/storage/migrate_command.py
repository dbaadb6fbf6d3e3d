"""`python -m ec_<service> migrate`: brings the service's database (its usual
settings, EC_DATABASE_URL) to the schema this version knows, and says what it
applied. Safe to run again, and beside replicas that are starting."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from ec_platform.settings import PlatformSettings
from ec_platform.storage.database import Database
from ec_platform.storage.migrations import History, SchemaTooNew, UnknownTables, migrate

# Exit codes besides 0 (done) and 2 (usage): the schema is not one this version can migrate.
REFUSED = 1


def migrate_command(history: History, argv: Sequence[str]) -> int:
    cli = argparse.ArgumentParser(
        prog=f"python -m ec_{history.service} migrate",
        description=f"Apply the {history.service} service's schema migrations, oldest first.",
        epilog=f"Exit codes: 0 done (or nothing to do), {REFUSED} the database's schema is "
        "newer than this version or not one it knows, 2 wrong usage or settings.",
    )
    cli.add_argument("--database-url", help="SQLAlchemy URL (default: EC_DATABASE_URL)")
    args = cli.parse_args(argv)
    url = args.database_url or PlatformSettings().database_url
    if not url:
        print("set EC_DATABASE_URL or pass --database-url", file=sys.stderr)
        return 2
    try:
        applied = asyncio.run(_migrate(url, history))
    except (SchemaTooNew, UnknownTables) as error:
        print(f"migrate: {error}", file=sys.stderr)
        return REFUSED
    for revision in applied:
        print(f"{history.service}: applied {revision}")
    print(f"{history.service}: schema at {history.head} (head)")
    return 0


async def _migrate(url: str, history: History) -> list[str]:
    db = Database.open(url, schema=history.service, pool_size=1)
    try:
        return await migrate(db, history)
    finally:
        await db.close()
