"""What one append tells the process metrics. Pure.

An append carries an escalation's trail (ec_escalation.domain.measures) from `before`
to `after`; whatever became true in between is observed once: a start, a
closure, a withdrawal, each raise, missed deadline, passed monitoring period
and recurrence, and each duration that became known (the measures fold's own
arithmetic, so the metrics and the reports never disagree). The adapter
(process_metrics.py) turns these into Prometheus samples, after the append's
transaction committed."""

from __future__ import annotations

from dataclasses import dataclass

from ec_escalation.domain.measures import SETTLED_DURATIONS, Trail, measures

RAISE_MODES = ("manual", "automatic")
DEADLINE_KINDS = ("plan_review", "progress_update")
# What a manual start, which no rule fired, is counted under.
NO_CRITERIA = "none"


@dataclass(frozen=True)
class Count:
    """`amount` more of `counter`, under these label values."""

    counter: str
    labels: tuple[tuple[str, str], ...] = ()
    amount: int = 1


@dataclass(frozen=True)
class Duration:
    measure: str
    seconds: float


Observation = Count | Duration


def observations(before: Trail | None, after: Trail) -> list[Observation]:
    """Everything that became true between the two trails of one escalation
    (`before` None: the append started it)."""
    return [
        *_milestones(before, after),
        *_counted(before, after),
        *_durations(before, after),
    ]


def _per_criterion(counter: str, trail: Trail, level: int) -> list[Observation]:
    # An escalation started by several rules counts under each of them.
    return [
        Count(counter, (("criteria", criterion), ("level", str(level))))
        for criterion in trail.criteria or (NO_CRITERIA,)
    ]


def start_level(trail: Trail) -> int:
    """The level the escalation started at (it may have been raised since)."""
    return trail.levels_left[0][0] if trail.levels_left else trail.level


def _milestones(before: Trail | None, after: Trail) -> list[Observation]:
    found: list[Observation] = []
    if before is None:
        found += _per_criterion("started", after, start_level(after))
    if after.closed_at is not None and (before is None or before.closed_at is None):
        found += _per_criterion("closed", after, after.level)
    if after.status == "withdrawn" and (before is None or before.status != "withdrawn"):
        found += _per_criterion("withdrawn", after, after.level)
    return found


def _counted(before: Trail | None, after: Trail) -> list[Observation]:
    def more(name: str) -> int:
        return int(getattr(after, name)) - (int(getattr(before, name)) if before else 0)

    pairs: list[tuple[str, tuple[tuple[str, str], ...], int]] = [
        *(("level_raises", (("mode", mode),), more(f"raises_{mode}")) for mode in RAISE_MODES),
        *(
            ("deadlines_missed", (("kind", kind),), more(f"missed_{kind}"))
            for kind in DEADLINE_KINDS
        ),
        ("monitoring_passed", (), more("monitoring_passed")),
        ("recurrences", (), more("recurrences")),
    ]
    return [Count(counter, labels, amount) for counter, labels, amount in pairs if amount > 0]


def _durations(before: Trail | None, after: Trail) -> list[Observation]:
    # Every observed duration ends at a recorded moment, so any `now` gives the same.
    now = measures(after, after.status_since).durations
    was = measures(before, before.status_since).durations if before else {}
    return [
        Duration(name, seconds)
        for name in SETTLED_DURATIONS
        if (seconds := now[name]) is not None and was.get(name) is None
    ]
