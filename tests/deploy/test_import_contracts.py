"""The import contracts `make lint` checks (`[tool.importlinter]` in pyproject.toml):
kept by the code as it is, and each one broken by a single import that crosses it,
added to a copy of the source trees, so a contract that could never fail is caught."""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = ROOT / ".venv" / "bin" / "lint-imports"


def import_linter_config() -> dict[str, Any]:
    config: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"][
        "importlinter"
    ]
    return config


def contract_names() -> dict[str, str]:
    return {contract["id"]: contract["name"] for contract in import_linter_config()["contracts"]}


def package_folders() -> dict[str, Path]:
    """Where each root package's source lives: a workspace member's src/, or the repository root."""
    folders = {}
    for package in import_linter_config()["root_packages"]:
        found = [
            *ROOT.glob(f"*/*/src/{package}/__init__.py"),
            *ROOT.glob(f"*/src/{package}/__init__.py"),
            *ROOT.glob(f"{package}/__init__.py"),
        ]
        assert len(found) == 1, f"{package}: expected one source folder, found {found}"
        folders[package] = found[0].parent
    return folders


def python_files_only(folder: str, names: list[str]) -> set[str]:
    return {
        name
        for name in names
        if name == "__pycache__" or (not name.endswith(".py") and Path(folder, name).is_file())
    }


def copy_of_the_sources(into: Path) -> Path:
    """Every root package side by side under `into`, with the project's contracts beside them."""
    for package, folder in package_folders().items():
        shutil.copytree(folder, into / package, ignore=python_files_only)
    shutil.copy(ROOT / "pyproject.toml", into / "pyproject.toml")
    return into


def lint_imports(sources: Path) -> subprocess.CompletedProcess[str]:
    # The copy comes first on the path, ahead of the workspace's editable installs.
    environment = {**os.environ, "PYTHONPATH": str(sources), "NO_COLOR": "1"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=sources,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def verdicts(output: str) -> dict[str, str]:
    """Each contract's name and KEPT or BROKEN, from lint-imports' summary."""
    found = {}
    for line in output.splitlines():
        for verdict in ("KEPT", "BROKEN"):
            if line.endswith(f" {verdict}"):
                found[line.removesuffix(f" {verdict}")] = verdict
    return found


@dataclass(frozen=True)
class Crossing:
    """One import appended to one module of the copy, which the contract must refuse."""

    contract: str
    module: str
    statement: str


CROSSINGS = [
    Crossing("services-independent", "ec_intake/__init__.py", "import ec_monitor"),
    Crossing("shared-below-services", "ec_platform/__init__.py", "import ec_escalation"),
    Crossing("events-below-platform", "ec_events/__init__.py", "import ec_platform"),
    Crossing("bench-apart-from-tests", "bench/__init__.py", "import tests.support"),
    Crossing("harness-apart-from-tests", "harness/__init__.py", "import bench"),
    # Settings stand above observability: tracing reading them would run back up a layer.
    Crossing(
        "platform-layers", "ec_platform/observability/__init__.py", "import ec_platform.settings"
    ),
    # The store already imports the tables; the tables importing the store closes a cycle.
    Crossing("no-cycles", "ec_intake/tables.py", "import ec_intake.store"),
    Crossing("notifier-domain-is-pure", "ec_notifier/domain/policy.py", "import sqlalchemy"),
    # The routing file imports only the domain, so the store importing it closes no cycle.
    Crossing("notifier-layers", "ec_notifier/store/tables.py", "import ec_notifier.routing_file"),
    Crossing("console-views-are-pure", "ec_console/views/display.py", "import httpx"),
    Crossing("console-layers", "ec_console/security/headers.py", "import ec_console.views.charts"),
    Crossing("escalation-domain-is-pure", "ec_escalation/domain/errors.py", "import sqlalchemy"),
    # The store and the reports share a layer and know nothing of each other: no cycle.
    Crossing("escalation-layers", "ec_escalation/store/audit.py", "import ec_escalation.reports"),
    Crossing(
        "escalation-http-reaches-the-store-through-use-cases",
        "ec_escalation/http/queries.py",
        "import ec_escalation.store.queries",
    ),
]


def test_every_contract_is_shown_to_break() -> None:
    assert {crossing.contract for crossing in CROSSINGS} == set(contract_names())


def test_the_code_keeps_every_import_contract(tmp_path: Path) -> None:
    # Given the source trees as they are
    sources = copy_of_the_sources(tmp_path)

    # When lint-imports checks them
    result = lint_imports(sources)

    # Then every contract is kept
    assert result.returncode == 0, result.stdout + result.stderr
    assert verdicts(result.stdout) == dict.fromkeys(contract_names().values(), "KEPT")


@pytest.mark.parametrize("crossing", CROSSINGS, ids=lambda crossing: crossing.contract)
def test_one_import_across_a_contract_breaks_that_contract(
    tmp_path: Path, crossing: Crossing
) -> None:
    # Given a copy of the sources with one import that crosses the contract
    sources = copy_of_the_sources(tmp_path)
    module = sources / crossing.module
    module.write_text(f"{module.read_text()}\n{crossing.statement}\n")

    # When lint-imports checks the copy
    result = lint_imports(sources)

    # Then it fails, naming that contract as broken and the others as kept
    names = contract_names()
    assert result.returncode != 0, result.stdout + result.stderr
    assert verdicts(result.stdout) == {
        name: "BROKEN" if contract == crossing.contract else "KEPT"
        for contract, name in names.items()
    }
