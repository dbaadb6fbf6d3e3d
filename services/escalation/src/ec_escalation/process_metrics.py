"""The escalation process on /metrics: counters and duration
histograms fed by what each committed append observed (observations.py), and
gauges of the open escalations read from the measures table at each scrape.

Counters and histograms count what this process committed since it started,
as Prometheus counters do: a replica counts its own appends, a restart starts
from zero (rate() and increase() take both in their stride), and a rebuild,
a replay or a retried transaction observes nothing. The open escalations are
not counted but read: every replica reports the same figure, taken from the
shared table when it is scraped."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from prometheus_client import Gauge, Histogram
from sqlalchemy import func, select

from ec_escalation.domain.measures import OPEN_STATUSES, SETTLED_DURATIONS
from ec_escalation.domain.observations import (
    DEADLINE_KINDS,
    RAISE_MODES,
    Count,
    Duration,
    Observation,
)
from ec_escalation.store.tables import Tables
from ec_platform.clock import Clock
from ec_platform.http.metrics import Metrics
from ec_platform.storage.database import Database

PREFIX = "ec_escalation"
# From a minute to a fortnight: how long the steps of an escalation take.
DURATION_BUCKETS = (
    10,
    30,
    60,
    300,
    900,
    1_800,
    3_600,
    7_200,
    14_400,
    28_800,
    86_400,
    172_800,
    345_600,
    604_800,
    1_209_600,
)
_COUNTERS = {
    "started": (
        "Escalations started, under each rule that fired (none: by hand)",
        ("criteria", "level"),
    ),
    "closed": ("Escalations closed, under each rule that started them", ("criteria", "level")),
    "withdrawn": ("Escalations withdrawn (started by mistake)", ("criteria", "level")),
    "level_raises": ("Escalation level raises, by hand or automatic", ("mode",)),
    "deadlines_missed": ("Plan reviews and progress updates missed", ("kind",)),
    "monitoring_passed": ("Monitoring periods that ended with no recurrence", ()),
    "recurrences": ("Problems that came back during or after monitoring", ()),
}
_DURATION_HELP = {
    "time_to_escalate": "From the first incident (its occurred_at, else when seen) to the start",
    "time_to_manager": "From the start to the first manager",
    "time_to_team": "From the start to the first team",
    "time_to_assessment": "From the start to the first assessment",
    "time_to_plan": "From the start to the first plan",
    "time_to_agreed_plan": "From the start to the first plan the customer agreed",
    "time_to_resolution": "From the start to the first monitoring period (resolved)",
    "time_to_closure": "From the start to the closure",
    "closure_to_review": "From the closure to the review",
}


class ProcessMetrics:
    """Counters and histograms of the process, in the app's registry."""

    def __init__(self, metrics: Metrics) -> None:
        self._counters = {
            name: metrics.counter(f"{PREFIX}_{name}", help_text, labels)
            for name, (help_text, labels) in _COUNTERS.items()
        }
        # Series known in advance start at zero, so a dashboard shows 0, not "no data".
        for mode in RAISE_MODES:
            self._counters["level_raises"].labels(mode)
        for kind in DEADLINE_KINDS:
            self._counters["deadlines_missed"].labels(kind)
        self._durations = {
            name: Histogram(
                f"{PREFIX}_{name}_seconds",
                _DURATION_HELP[name],
                registry=metrics.registry,
                buckets=DURATION_BUCKETS,
            )
            for name in SETTLED_DURATIONS
        }

    def observe(self, observed: Iterable[Observation]) -> None:
        """Only ever called after the transaction that observed them committed."""
        for item in observed:
            if isinstance(item, Duration):
                self._durations[item.measure].observe(item.seconds)
            elif isinstance(item, Count):
                counter = self._counters[item.counter]
                labelled = counter.labels(*(v for _, v in item.labels)) if item.labels else counter
                labelled.inc(item.amount)


class OpenEscalations:
    """Open escalations by state and level, and how long the longest-waiting
    one has been in its state, as the measures table says when scraped."""

    def __init__(self, metrics: Metrics, db: Database, tables: Tables, clock: Clock) -> None:
        self._db, self._tables, self._clock = db, tables, clock
        self._count = Gauge(
            f"{PREFIX}_open_escalations",
            "Open escalations now (every replica reports the same: use max, not sum)",
            ("state", "level"),
            registry=metrics.registry,
        )
        self._longest = Gauge(
            f"{PREFIX}_open_longest_in_state_seconds",
            "How long the open escalation longest in its state has been in it",
            ("state", "level"),
            registry=metrics.registry,
        )
        self._seen: set[tuple[str, str]] = set()

    async def refresh(self) -> None:
        table = self._tables.measures
        query = (
            select(table.c.status, table.c.level, func.count(), func.min(table.c.status_since))
            .where(table.c.status.in_(sorted(OPEN_STATUSES)))
            .group_by(table.c.status, table.c.level)
        )
        try:
            async with self._db.read() as conn:
                rows = (await conn.execute(query)).all()
        except Exception:
            # Last scrape's figures would be stale: better none than wrong.
            self._count.clear()
            self._longest.clear()
            raise
        self._set([(r[0], r[1], r[2], r[3]) for r in rows], self._clock())

    def _set(self, rows: Sequence[tuple[str, int, int, datetime]], now: datetime) -> None:
        current = {(state, str(level)): (n, since) for state, level, n, since in rows}
        # A state and level that emptied shows 0 rather than vanishing.
        self._seen |= current.keys()
        for key in self._seen:
            count, since = current.get(key, (0, None))
            self._count.labels(*key).set(count)
            self._longest.labels(*key).set((now - since).total_seconds() if since else 0)
