"""The Kubernetes manifests (deploy/k8s) render with kustomize, pass kubeconform
against the Kubernetes schemas, and run what `make up` runs, as it runs it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from ec_escalation.domain.criteria import load_rules
from ec_notifier.domain.connections import load_connections
from ec_notifier.routing_file import load_routing
from tests.support.deployment import (
    K8S,
    ROOT,
    cluster_processes,
    container,
    kubeconform,
    of_kind,
    render,
    secret_settings_of,
    settings_read_by,
)

EXAMPLE = K8S / "overlays" / "example"
SECRET = "escalation-center"


@pytest.fixture(scope="module")
def example() -> list[dict[str, Any]]:
    return render(EXAMPLE)


@pytest.mark.parametrize("folder", [K8S / "base", EXAMPLE], ids=["base", "example"])
def test_the_rendered_manifests_pass_kubeconform_strict(folder: Path) -> None:
    # given
    manifests = yaml.safe_dump_all(render(folder))

    # when
    checked = kubeconform(manifests)

    # then
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Invalid: 0, Errors: 0, Skipped: 0" in checked.stdout


def test_kubeconform_refuses_a_misspelt_field_and_a_wrong_type(
    example: list[dict[str, Any]],
) -> None:
    # given a Deployment with `replica` for `replicas` and a port given as text
    broken = yaml.safe_load(yaml.safe_dump(of_kind(example, "Deployment")["intake"]))
    broken["spec"]["replica"] = 2
    container_spec = broken["spec"]["template"]["spec"]["containers"][0]
    container_spec["ports"][0]["containerPort"] = "8001"

    # when
    checked = kubeconform(yaml.safe_dump(broken))

    # then
    assert checked.returncode == 1
    assert "'replica' not allowed" in checked.stdout
    assert "containerPort': got string, want integer" in checked.stdout


def test_each_process_of_make_up_is_a_deployment_with_its_command_port_and_probes(
    example: list[dict[str, Any]],
) -> None:
    deployments = of_kind(example, "Deployment")

    assert set(deployments) == set(cluster_processes())
    for name, port in cluster_processes().items():
        app = container(deployments[name])
        command = ["python", "-m", f"ec_{name}", "--host", "0.0.0.0", "--port", str(port)]
        assert app["command"] == command
        assert app["ports"] == [{"name": "http", "containerPort": port}]
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert app[probe]["httpGet"] == {"path": "/healthz", "port": "http"}, (name, probe)
        assert {"cpu", "memory"} <= set(app["resources"]["requests"]), name
        assert "memory" in app["resources"]["limits"], name


def test_each_process_has_a_service_on_its_port_and_a_disruption_budget_for_its_pods(
    example: list[dict[str, Any]],
) -> None:
    deployments = of_kind(example, "Deployment")
    services = of_kind(example, "Service")
    budgets = of_kind(example, "PodDisruptionBudget")

    for name, port in cluster_processes().items():
        pods = deployments[name]["spec"]["template"]["metadata"]["labels"]
        assert services[name]["spec"]["ports"] == [
            {"name": "http", "port": port, "targetPort": "http"}
        ]
        assert services[name]["spec"]["selector"].items() <= pods.items()
        budget = budgets[name]["spec"]
        assert budget["selector"]["matchLabels"].items() <= pods.items()
        # A budget that allows no eviction at all would block every node drain.
        assert budget["minAvailable"] < deployments[name]["spec"]["replicas"], name


def test_secrets_come_from_the_secret_and_never_from_a_value_or_config_map(
    example: list[dict[str, Any]],
) -> None:
    deployments = of_kind(example, "Deployment")
    config_maps = of_kind(example, "ConfigMap")

    for name in cluster_processes():
        env = {entry["name"]: entry for entry in container(deployments[name])["env"]}
        for variable in secret_settings_of(name):
            assert variable in env, f"{name} is not given {variable}"
            assert env[variable]["valueFrom"]["secretKeyRef"]["name"] == SECRET, variable
        every_secret = {*secret_settings_of(name), *_connection_secrets()}
        for config_map in config_maps.values():
            assert not every_secret & set(config_map.get("data", {})), config_map["metadata"]


def test_the_files_the_settings_name_are_mounted_and_load_with_the_services_own_loaders(
    example: list[dict[str, Any]], tmp_path: Path
) -> None:
    # given the settings ConfigMap and the files ConfigMap of the overlay
    config_maps = of_kind(example, "ConfigMap")
    (settings,) = [c for n, c in config_maps.items() if n.startswith("escalation-center-settings")]
    (files,) = [c for n, c in config_maps.items() if n.startswith("escalation-center-files")]
    for file_name, text in files["data"].items():
        (tmp_path / file_name).write_text(text)

    # then every file a setting names is in the files ConfigMap, mounted where named
    named = {k: v for k, v in settings["data"].items() if k.endswith("_FILE")}
    assert named, "the example overlay names no files"
    for variable, path in named.items():
        assert Path(path).name in files["data"], variable
        readers = [n for n in cluster_processes() if variable in settings_read_by(n)]
        assert readers, variable
        for reader in readers:
            assert variable in _env_names(example, reader), reader
            assert _mounted_at(of_kind(example, "Deployment")[reader], Path(path).parent), reader

    # and each parses as the service reading it would parse it at start-up
    notifier_env = _env_names(example, "notifier")
    assert load_rules(str(tmp_path / "criteria.yaml")).version == "example-1"
    assert set(load_routing(str(tmp_path / "routing.yaml")).management) == {2, 3}
    secrets_given = {name: "given" for name in notifier_env}
    assert "servicenow" in load_connections(str(tmp_path / "connections.yaml"), secrets_given)


def test_the_readme_names_every_key_of_the_secret_and_no_other(
    example: list[dict[str, Any]],
) -> None:
    # given the keys the manifests take from the Secret
    taken = {
        entry["valueFrom"]["secretKeyRef"]["key"]
        for deployment in of_kind(example, "Deployment").values()
        for entry in container(deployment).get("env", [])
        if "secretKeyRef" in entry.get("valueFrom", {})
    }

    # when the documentation's table of the Secret's keys is read
    readme = (ROOT / "docs" / "running" / "kubernetes.md").read_text()
    section = readme[readme.index("**The Secret.**") : readme.index("**The database schema.**")]
    rows = [line for line in section.splitlines() if line.startswith("| `EC_")]
    documented = {key for row in rows for key in re.findall(r"`(EC_[A-Z_]+)`", row.split("|")[1])}

    # then they are the same
    assert documented == taken


def _connection_secrets() -> set[str]:
    text = (EXAMPLE / "connections.yaml").read_text()
    connections = yaml.safe_load(text)["connections"]
    return {
        value
        for platform in connections.values()
        for key, value in platform.items()
        if key.endswith("_env")
    }


def _env_names(documents: list[dict[str, Any]], process: str) -> set[str]:
    """What a process's environment holds: its own entries and its ConfigMaps'."""
    app = container(of_kind(documents, "Deployment")[process])
    config_maps = of_kind(documents, "ConfigMap")
    names = {entry["name"] for entry in app.get("env", [])}
    for source in app.get("envFrom", []):
        names |= set(config_maps[source["configMapRef"]["name"]]["data"])
    return names


def _mounted_at(deployment: dict[str, Any], folder: Path) -> bool:
    mounts = container(deployment).get("volumeMounts", [])
    return any(Path(mount["mountPath"]) == folder for mount in mounts)
