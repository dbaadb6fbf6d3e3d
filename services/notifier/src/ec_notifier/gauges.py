"""The notifier's gauges, refreshed at each scrape: the delivery log's backlog
(every replica reports the same) beside this process's own sends."""

from __future__ import annotations

from ec_notifier.dispatcher import Dispatcher
from ec_notifier.store.backlog import due_by_host
from ec_notifier.store.tables import Tables
from ec_platform.clock import Clock
from ec_platform.http.metrics import Metrics
from ec_platform.storage.database import Database


def report_backlog(
    metrics: Metrics, db: Database, tables: Tables, dispatcher: Dispatcher, clock: Clock
) -> None:
    """Gauges, refreshed at each scrape: the backlog's (from the database) and
    this process's own sends (in flight, claimed and waiting, circuits)."""
    oldest = metrics.gauge(
        "ec_notifier_oldest_due_seconds",
        "How long the oldest due delivery to each host has been waiting for an attempt",
        ("host",),
    )
    due = metrics.gauge("ec_notifier_due_deliveries", "Deliveries due, per host", ("host",))
    in_flight = metrics.gauge(
        "ec_notifier_in_flight", "Sends under way in this process, per host", ("host",)
    )
    waiting = metrics.gauge(
        "ec_notifier_claimed_waiting",
        "Deliveries this process claimed and has not started yet, per host",
        ("host",),
    )
    circuit_open = metrics.gauge(
        "ec_notifier_circuit_open",
        "1 while this process leaves a failing host alone, per host",
        ("host",),
    )

    async def refresh() -> None:
        now = clock()
        view = dispatcher.view()
        for gauge in (in_flight, waiting, circuit_open):
            gauge.clear()
        for host in view.hosts:
            in_flight.labels(host.host).set(host.in_flight)
            circuit_open.labels(host.host).set(1 if host.circuit == "open" else 0)
        for host_name, count in view.waiting_by_host.items():
            waiting.labels(host_name).set(count)
        backlog = await due_by_host(db, tables, now)
        oldest.clear()
        due.clear()
        for entry in backlog:
            oldest.labels(entry.host).set(entry.oldest_due_s(now))
            due.labels(entry.host).set(entry.due)

    metrics.before_scrape(refresh)
