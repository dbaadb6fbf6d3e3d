"""`make bench`: real Kafka and PostgreSQL are started by deploy/with-infra.sh."""

from __future__ import annotations

import argparse
import asyncio
import os

from bench import api, bus, escalation, eventlog, intake, monitor, notifier
from bench.report import print_figures


async def main(only: set[str]) -> None:
    database_url = os.environ["EC_TEST_DATABASE_URL"]
    bootstrap = os.environ["EC_TEST_KAFKA"]
    if not only or "bus" in only:
        print_figures("bus", await bus.run(bootstrap=bootstrap))
    if not only or "store" in only:
        print_figures("event store (PostgreSQL)", await eventlog.run(database_url=database_url))
    if not only or "replay" in only:
        print_figures("escalation store at scale", await escalation.run(database_url=database_url))
    if not only or "intake" in only:
        print_figures("intake HTTP API", await intake.run(kafka=bootstrap))
    if not only or "monitor" in only:
        print_figures("monitor timers", await monitor.run(kafka=bootstrap))
    if not only or "notifier" in only:
        print_figures("notifier deliveries", await notifier.run(kafka=bootstrap))
    if not only or "api" in only:
        print_figures("escalation HTTP API", await api.run(kafka=bootstrap))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help="bus, store, replay, intake, monitor, notifier, api",
    )
    asyncio.run(main(set(parser.parse_args().only)))
