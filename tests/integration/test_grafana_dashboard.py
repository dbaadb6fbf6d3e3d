"""deploy/grafana/escalation-process.json against the service: every PromQL
query in the dashboard parses (promql-parser, Prometheus' grammar), and every
metric it reads is one the app really exports on /metrics once escalations
have gone through the process; every process metric has a panel; the
Prometheus datasource is a variable chosen at import."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import promql_parser
import pytest

from tests.support.metrics_text import Scrape, scrape
from tests.support.process_walk import two_escalations, walking_app

DASHBOARD = Path(__file__).parents[2] / "deploy" / "grafana" / "escalation-process.json"
# What Grafana puts in place of its variables before a query reaches Prometheus.
VARIABLES = {
    "job": ".*",
    "window": "7d",
    "__range": "30d",
    "__interval": "1m",
    "__rate_interval": "4m",
}
LABEL_VALUES = re.compile(r"^label_values\((\w+)\s*,\s*\w+\)$")


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return loaded


def panels(container: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in container.get("panels", []):
        yield panel
        yield from panels(panel)  # a collapsed row holds its panels


def queries() -> list[str]:
    return [target["expr"] for panel in panels(dashboard()) for target in panel.get("targets", [])]


def substituted(expr: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        assert name in VARIABLES, f"unknown dashboard variable ${name} in {expr}"
        return VARIABLES[name]

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, expr)


def metric_names(expr: str) -> set[str]:
    """The metric of every selector in the query, as Prometheus parses it."""
    names: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            assert node.name, f"a selector without a metric name in {expr}"
            names.add(node.name)

    promql_parser.walk(promql_parser.parse(substituted(expr)), visit)
    return names


def variable_metrics() -> set[str]:
    """The metrics the query variables list label values of."""
    found = set()
    for variable in dashboard()["templating"]["list"]:
        if variable["type"] == "query":
            match = LABEL_VALUES.match(variable["query"]["query"])
            assert match, variable["query"]
            found.add(match.group(1))
    return found


def family_of(sample_name: str, scraped: Scrape) -> str:
    for family, kind in scraped.families.items():
        for suffix in ("_bucket", "_sum", "_count", "_total", ""):
            if sample_name == family + suffix and (suffix == "" or kind != "gauge"):
                return family
    raise AssertionError(f"{sample_name} is no sample of any family on /metrics")


@pytest.fixture
async def exported(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Scrape]:
    """/metrics of the app after two escalations went through the process."""
    async with walking_app(postgres_url, monkeypatch) as setup:
        await two_escalations(setup)
        yield await scrape(setup.client)


def test_every_query_parses_as_promql() -> None:
    found = queries()

    assert len(found) >= 20
    for expr in found:
        assert metric_names(expr), expr


def test_the_prometheus_datasource_is_chosen_at_import() -> None:
    [source] = [v for v in dashboard()["templating"]["list"] if v["type"] == "datasource"]

    assert source["query"] == "prometheus"
    for panel in panels(dashboard()):
        if panel["type"] != "row":
            assert panel["datasource"] == {"type": "prometheus", "uid": f"${{{source['name']}}}"}
            for target in panel["targets"]:
                assert target["datasource"] == panel["datasource"]


async def test_every_metric_the_dashboard_reads_is_exported(exported: Scrape) -> None:
    read = set().union(*(metric_names(expr) for expr in queries())) | variable_metrics()

    missing = read - exported.exported_names()

    assert not missing, f"the dashboard reads metrics the service does not export: {missing}"


async def test_every_process_metric_has_a_panel(exported: Scrape) -> None:
    read = set().union(*(metric_names(expr) for expr in queries()))
    families_read = {family_of(name, exported) for name in read}

    process = {
        family
        for family in exported.families
        if family.startswith("ec_escalation_") and not family.endswith("_created")
    }

    assert process - families_read == set()
