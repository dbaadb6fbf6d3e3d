"""`make bench`: real Kafka and PostgreSQL are started by deploy/with-infra.sh.
`make bench BENCH_ARGS='--only replay'` runs one section."""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Awaitable, Callable

from bench import (
    api,
    bus,
    console,
    escalation,
    eventlog,
    intake,
    monitor,
    notifier,
    pipeline,
    replicas,
    reports,
    review_report,
)
from bench.report import Figure, print_figures


def sections(
    database_url: str, kafka: str
) -> dict[str, tuple[str, Callable[[], Awaitable[list[Figure]]]]]:
    return {
        "bus": ("bus", lambda: bus.run(bootstrap=kafka)),
        "store": ("event store (PostgreSQL)", lambda: eventlog.run(database_url=database_url)),
        "replay": ("escalation store at scale", lambda: escalation.run(database_url=database_url)),
        "report": ("escalation report", lambda: reports.run(database_url=database_url)),
        "intake": ("intake HTTP API", lambda: intake.run(kafka=kafka)),
        "monitor": ("monitor timers", lambda: monitor.run(kafka=kafka)),
        "notifier": ("notifier deliveries", lambda: notifier.run(kafka=kafka)),
        "api": ("escalation HTTP API", lambda: api.run(kafka=kafka)),
        "console": ("console live board (browser)", console.run),
        "pipeline": ("the pipeline, all four services", lambda: pipeline.run(kafka=kafka)),
        "replicas": (
            "the pipeline with two escalation replicas",
            lambda: replicas.run(kafka=kafka),
        ),
        "review": ("the review report (pure, no servers)", review_report.run),
    }


async def main(only: set[str]) -> None:
    chosen = sections(os.environ["EC_TEST_DATABASE_URL"], os.environ["EC_TEST_KAFKA"])
    for name, (title, run) in chosen.items():
        if not only or name in only:
            print_figures(title, await run())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help="bus, store, replay, report, intake, monitor, notifier, api, console, pipeline, "
        "replicas, review",
    )
    asyncio.run(main(set(parser.parse_args().only)))
