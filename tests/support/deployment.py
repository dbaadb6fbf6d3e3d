"""What the deployment tests read: the processes `make up` runs (one source,
deploy/cluster.sh), the settings each reads (its settings class), and the
checkers `make test` installs into .local/checkers/ (deploy/checkers.sh)."""

from __future__ import annotations

import importlib
import os
import re
import shlex
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import SecretStr
from pydantic_settings import BaseSettings

from ec_platform.settings import variable_of

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
CHECKERS = Path(os.environ.get("EC_CHECKERS_DIR", ROOT / ".local" / "checkers"))


@cache
def cluster_processes() -> dict[str, int]:
    """`services=(intake:8001 …)` in deploy/cluster.sh: each process and its port."""
    script = (DEPLOY / "cluster.sh").read_text()
    found = re.search(r"^services=\((.*)\)$", script, re.MULTILINE)
    assert found, "deploy/cluster.sh no longer lists its services as services=(name:port …)"
    entries = (entry.split(":") for entry in shlex.split(found.group(1)))
    return {name: int(port) for name, port in entries}


@cache
def cluster_environment() -> frozenset[str]:
    """The settings deploy/cluster.sh exports to every process it starts."""
    script = (DEPLOY / "cluster.sh").read_text()
    names: set[str] = set()
    for line in re.findall(r"^\s*export (.+)$", script, re.MULTILINE):
        names.update(word.split("=", 1)[0] for word in line.split() if word.startswith("EC_"))
    return frozenset(names)


def settings_class(process: str) -> type[BaseSettings]:
    module = importlib.import_module(f"ec_{process}.settings")
    classes = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, BaseSettings)
        and value.__module__ == module.__name__
    ]
    assert len(classes) == 1, f"ec_{process}.settings should hold one settings class"
    return classes[0]


def _variable(settings: type[BaseSettings], field: str) -> str:
    return variable_of(settings, field)


def settings_read_by(process: str) -> frozenset[str]:
    settings = settings_class(process)
    return frozenset(_variable(settings, field) for field in settings.model_fields)


def secret_settings_of(process: str) -> frozenset[str]:
    """Its settings typed as secrets, and the database URL (it holds a password)."""
    settings = settings_class(process)
    secret = {
        _variable(settings, name)
        for name, field in settings.model_fields.items()
        if field.annotation in (SecretStr, SecretStr | None) or name == "database_url"
    }
    return frozenset(secret)


def checker(name: str) -> Path:
    """A file deploy/checkers.sh installed (`make test` runs it first)."""
    path = CHECKERS / name
    if path.exists():
        return path
    if os.environ.get("EC_TEST_REQUIRE_INFRA") == "1":
        raise RuntimeError(f"{path} is missing: `make test` should have run deploy/checkers.sh")
    pytest.skip(f"{path} is missing (run deploy/checkers.sh, or the suite with `make test`)")


def render(folder: Path) -> list[dict[str, Any]]:
    """`kustomize build` of a base or an overlay, as documents."""
    built = subprocess.run(
        [str(checker("bin/kustomize")), "build", str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    return [doc for doc in yaml.safe_load_all(built.stdout) if doc]


def kubeconform(manifests: str) -> subprocess.CompletedProcess[str]:
    """kubeconform, strict, on manifests given as YAML text, against the schemas
    of the Kubernetes release deploy/checkers.sh prepared."""
    version = checker("k8s-version").read_text().strip()
    schemas = checker("k8s-schemas")
    location = (
        f"{schemas}/{{{{ .NormalizedKubernetesVersion }}}}-local{{{{ .StrictSuffix }}}}/"
        "{{ .ResourceKind }}{{ .KindSuffix }}.json"
    )
    return subprocess.run(
        [
            str(checker("bin/kubeconform")),
            "-strict",
            "-summary",
            "-kubernetes-version",
            version,
            "-schema-location",
            location,
            "-",
        ],
        input=manifests,
        capture_output=True,
        text=True,
        check=False,
    )


def of_kind(documents: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in documents if doc["kind"] == kind}


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    return dict(only)
