"""`python -m ec_escalation [serve]` serves; `migrate` brings the database to
this version's schema; `rebuild-projections` and `verify` are the operators'
and auditors' commands over an existing store. `--help`
lists them and their options."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from ec_escalation.app import create_app
from ec_escalation.service import open_store
from ec_escalation.settings import DEFAULT_PORT, EscalationSettings
from ec_escalation.store.audit import verify
from ec_escalation.store.existing import NoStore, open_existing, require_event_store
from ec_escalation.store.migrations import history
from ec_escalation.store.rebuild import print_progress, rebuild
from ec_escalation.store.tables import define_tables
from ec_platform.serve import serve
from ec_platform.storage.eventlog import EventLog
from ec_platform.storage.migrate_command import migrate_command

COMMANDS = ("serve", "migrate", "rebuild-projections", "verify")
# Exit codes besides 0 (done) and 2 (usage, as argparse has it).
BROKEN = 1
NO_STORE = 3


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="python -m ec_escalation",
        description="The escalation service, and the commands over its event store.",
        epilog=f"Without a command, serves. Exit codes: 0 done, {BROKEN} a hash chain is "
        f"broken, 2 wrong usage or settings, {NO_STORE} no database or no event store there "
        "(nothing is ever created by rebuild-projections or verify).",
    )
    commands = cli.add_subparsers(dest="command", metavar="{" + ",".join(COMMANDS) + "}")
    run = commands.add_parser("serve", help="serve the HTTP API and consume the topics (default)")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=DEFAULT_PORT)
    run.add_argument("--log-level", default="info")
    url_help = "the store's SQLAlchemy URL (default: EC_DATABASE_URL)"
    migrate_cmd = commands.add_parser(
        "migrate", help="apply the schema migrations this version has and the database lacks"
    )
    migrate_cmd.add_argument("--database-url", help=url_help)
    rebuild_cmd = commands.add_parser(
        "rebuild-projections", help="rebuild the board and other read models from the events"
    )
    rebuild_cmd.add_argument("--database-url", help=url_help)
    verify_cmd = commands.add_parser(
        "verify",
        help="recompute every event's chained hash, read-only; exit 1 at the first broken one",
    )
    verify_cmd.add_argument("--database-url", help=url_help)
    return cli


async def _rebuild(url: str) -> int:
    db = open_existing(url, read_only=False)
    try:
        await require_event_store(db, define_tables(), as_of_today=False)
        # The event store exists: add any read model or nullable column it lacks.
        store = await open_store(db)
        result = await rebuild(store, progress=print_progress)
    finally:
        await db.close()
    print(
        f"rebuilt {result.escalations:,} escalations from {result.events:,} events "
        f"in {result.seconds:.1f} s ({result.rate:,.0f} events/s)"
    )
    return 0


async def _verify(url: str) -> int:
    db = open_existing(url, read_only=True)
    try:
        tables = define_tables()
        await require_event_store(db, tables)
        outcome = await verify(EventLog(db, tables.events))
    finally:
        await db.close()
    if outcome.ok:
        print(f"ok: {outcome.checked:,} events, every hash chain intact")
        return 0
    print(f"BROKEN at position {outcome.first_broken_position}: {outcome.reason}")
    return BROKEN


def main(argv: Sequence[str]) -> int:
    if not argv or argv[0] not in (*COMMANDS, "-h", "--help"):
        argv = ["serve", *argv]  # `python -m ec_escalation --port 8002` serves, as it always did
    args = parser().parse_args(argv)
    if args.command == "serve":
        serve(create_app, name="escalation", default_port=DEFAULT_PORT, argv=argv[1:])
        return 0
    if args.command == "migrate":
        return migrate_command(history(), argv[1:])
    url = args.database_url or EscalationSettings().database_url
    if not url:
        print("set EC_DATABASE_URL or pass --database-url", file=sys.stderr)
        return 2
    command = _rebuild if args.command == "rebuild-projections" else _verify
    try:
        return asyncio.run(command(url))
    except NoStore as error:
        print(f"{args.command}: {error}", file=sys.stderr)
        return NO_STORE


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
