"""Printing a figure beside its baseline."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    baseline_name: str
    baseline: float
    target: str = ""

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("nan")


def print_figures(title: str, figures: list[Figure]) -> None:
    print(f"\n== {title}")
    print(
        f"{'measure':<44} {'value':>12}  {'baseline':<36} {'base value':>12} {'ratio':>6}  target"
    )
    for f in figures:
        digits = 1 if f.unit == "ms" else 0
        print(
            f"{f.name:<44} {f.value:>12,.{digits}f}  {f.baseline_name:<36} "
            f"{f.baseline:>12,.{digits}f} {f.ratio:>6.2f}  {f.target}"
        )
    print(f"(units: {', '.join(sorted({f.unit for f in figures}))})", flush=True)
