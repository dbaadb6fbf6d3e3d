"""deploy/compose.yaml and the Kubernetes manifests run what `make up` runs
(deploy/cluster.sh): the same processes, modules and ports, each given the
settings cluster.sh gives it that it reads, and the addresses of the others
on the ports they serve."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from tests.support.deployment import (
    DEPLOY,
    K8S,
    cluster_environment,
    cluster_processes,
    container,
    of_kind,
    render,
    settings_read_by,
)

SERVICE_URL = re.compile(r"^https?://([a-z0-9-]+):(\d+)(/.*)?$")
INFRASTRUCTURE = {"postgres", "kafka"}
# The one-shot that applies every service's schema migrations first.
MIGRATE = "migrate"
MIGRATED = ("intake", "escalation", "notifier", "monitor")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


@pytest.fixture(scope="module")
def kubernetes() -> list[dict[str, Any]]:
    return render(K8S / "overlays" / "example")


def _needed_by(process: str) -> set[str]:
    return set(cluster_environment() & settings_read_by(process))


def test_the_processes_of_make_up_are_read_from_cluster_sh() -> None:
    assert cluster_processes() == {
        "intake": 8001,
        "escalation": 8002,
        "notifier": 8003,
        "monitor": 8004,
        "console": 8005,
    }
    assert {"EC_API_TOKENS", "EC_DATABASE_URL", "EC_KAFKA_BOOTSTRAP_SERVERS"} <= set(
        cluster_environment()
    )


def test_compose_runs_each_process_of_make_up_with_its_module_and_port(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]

    assert set(services) - INFRASTRUCTURE - {MIGRATE} == set(cluster_processes())
    for name, port in cluster_processes().items():
        command = ["python", "-m", f"ec_{name}", "--host", "0.0.0.0", "--port", str(port)]
        assert services[name]["command"] == command
        assert services[name]["ports"] == [f"127.0.0.1:{port}:{port}"]


def test_compose_gives_each_process_the_settings_make_up_gives_it(
    compose: dict[str, Any],
) -> None:
    for name in cluster_processes():
        given = set(compose["services"][name].get("environment", {}))
        assert _needed_by(name) <= given, f"{name} lacks {_needed_by(name) - given}"


def test_kubernetes_gives_each_process_the_settings_make_up_gives_it(
    kubernetes: list[dict[str, Any]],
) -> None:
    config_maps = of_kind(kubernetes, "ConfigMap")
    for name, deployment in of_kind(kubernetes, "Deployment").items():
        app = container(deployment)
        given = {entry["name"] for entry in app.get("env", [])}
        for source in app.get("envFrom", []):
            given |= set(config_maps[source["configMapRef"]["name"]]["data"])
        assert _needed_by(name) <= given, f"{name} lacks {_needed_by(name) - given}"


def test_addresses_of_the_services_name_the_ports_they_serve(
    compose: dict[str, Any], kubernetes: list[dict[str, Any]]
) -> None:
    values = [
        str(value)
        for service in compose["services"].values()
        for value in service.get("environment", {}).values()
    ]
    for deployment in of_kind(kubernetes, "Deployment").values():
        values += [
            entry["value"] for entry in container(deployment).get("env", []) if "value" in entry
        ]

    addresses = [found.groups()[:2] for v in values if (found := SERVICE_URL.match(v))]
    to_processes = [(host, int(port)) for host, port in addresses if host in cluster_processes()]
    assert len(to_processes) >= 8  # the console's four and the notifier's one, in both
    for host, port in to_processes:
        assert cluster_processes()[host] == port, host


def test_compose_migrates_every_schema_before_the_services_that_use_it_start(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    script = services[MIGRATE]["command"][-1]
    assert "for s in " + " ".join(MIGRATED) + "; do python -m ec_$$s migrate" in script
    for name in MIGRATED:
        after = services[name]["depends_on"][MIGRATE]
        assert after == {"condition": "service_completed_successfully"}, name


def test_kubernetes_migrates_each_schema_in_an_init_container(
    kubernetes: list[dict[str, Any]],
) -> None:
    deployments = of_kind(kubernetes, "Deployment")
    for name in MIGRATED:
        pod = deployments[name]["spec"]["template"]["spec"]
        [init] = pod["initContainers"]
        assert init["command"] == ["python", "-m", f"ec_{name}", "migrate"]
        assert init["image"] == container(deployments[name])["image"]
