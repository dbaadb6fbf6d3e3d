"""The review report of a long escalation (300 progress reports with notes of
600 characters in Cyrillic and Chinese): laid out as a PDF, beside the same
report rendered as HTML; and its model built from the events, beside folding
the same events into the escalation's state (what every query does)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import timedelta

from bench.report import Figure
from ec_escalation.domain import commands as c
from ec_escalation.domain.measures import measures
from ec_escalation.domain.state import fold
from ec_escalation.reports.html import render_html
from ec_escalation.reports.pdf import render_pdf
from ec_escalation.reports.review import PeriodFigures, Recorded, ReviewReport, build_report
from harness.escalations import MANAGER, NOW, Told, plan, start

PROGRESS_REPORTS = 300
RUNS = 3
NOTE = "Подключение восстановлено частично; ждём подтверждения клиента. 数据中心切换进行中。" * 8


def _long_escalation() -> Told:
    told = Told().at(NOW, start()).at(NOW + timedelta(minutes=5), c.AssignManager(manager=MANAGER))
    told.at(NOW + timedelta(minutes=30), plan())
    for n in range(PROGRESS_REPORTS):
        told.at(
            NOW + timedelta(hours=1, minutes=n),
            c.ReportProgress(note=f"{n}: {NOTE}"[:600], next_update_due=NOW + timedelta(days=30)),
        )
    return told


def _model(recorded: list[Recorded], told: Told) -> ReviewReport:
    period = PeriodFigures(NOW - timedelta(days=90), NOW, 0, {})
    now = NOW + timedelta(hours=8)
    return build_report(
        recorded, measured=measures(told.trail, now), period=period, generated_at=now
    )


def _milliseconds(work: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def run() -> list[Figure]:
    told = _long_escalation()
    recorded = [Recorded(event, at, "olivia (operator)") for event, at in told.timed]
    report = _model(recorded, told)
    render_pdf(report)  # the fonts are registered once per process, at the first PDF
    events = len(recorded)
    return [
        Figure(
            f"review report PDF ({PROGRESS_REPORTS} progress reports)",
            _milliseconds(lambda: render_pdf(report)),
            "ms",
            "the same report as HTML",
            _milliseconds(lambda: render_html(report)),
        ),
        Figure(
            f"review report model from {events} events",
            _milliseconds(lambda: _model(recorded, told)),
            "ms",
            "folding them into state",
            _milliseconds(lambda: fold(r.event for r in recorded)),
        ),
    ]
