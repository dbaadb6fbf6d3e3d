"""Reading a service's /metrics as Prometheus would, with prometheus_client's parser."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families

from harness.factories import bearer

# The sample names each kind of metric family exports, after its family name
# (the parser reads a `_created` sample as a gauge family of its own).
SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_sum", "_count"),
    "gauge": ("",),
}


@dataclass(frozen=True)
class Scrape:
    """One answer of /metrics: every sample, and every family with its type."""

    samples: dict[tuple[str, frozenset[tuple[str, str]]], float]
    families: dict[str, str]

    def value(self, name: str, **labels: str) -> float | None:
        return self.samples.get((name, frozenset(labels.items())))

    def named(self, prefix: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        """Every sample whose name starts with `prefix`, but the creation times."""
        return {
            key: value
            for key, value in self.samples.items()
            if key[0].startswith(prefix) and not key[0].endswith("_created")
        }

    def exported_names(self) -> set[str]:
        """Every sample name the families export, whether or not a sample has
        been observed yet (a labelled counter shows none until first used)."""
        return {
            family + suffix
            for family, kind in self.families.items()
            for suffix in SUFFIXES.get(kind, ("",))
        }


async def scrape(client: httpx.AsyncClient) -> Scrape:
    response = await client.get("/metrics", headers=bearer("auditor"))
    assert response.status_code == 200, response.text
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    families: dict[str, str] = {}
    for family in text_string_to_metric_families(response.text):
        families[family.name] = family.type
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return Scrape(samples, families)
