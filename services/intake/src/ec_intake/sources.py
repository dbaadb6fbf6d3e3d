"""Which webhook sources the intake accepts, and how each is read: the built-in
platforms, plus whatever EC_INTAKE_SOURCES_FILE declares, with the signing
secrets from EC_WEBHOOK_SECRETS."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml
from pydantic import SecretStr, ValidationError

from ec_intake.webhooks import BUILT_IN_SOURCES, SourceConfig, source_config


class InvalidSources(ValueError):
    pass


def parse_secrets(spec: str) -> dict[str, list[str]]:
    """`source:secret,source:secret2`; a source may have several (rotation)."""
    secrets: dict[str, list[str]] = defaultdict(list)
    for entry in (part.strip() for part in spec.split(",")):
        if not entry:
            continue
        source, sep, secret = entry.partition(":")
        if not sep or not source or not secret:
            raise InvalidSources("EC_WEBHOOK_SECRETS entries must look like source:secret")
        secrets[source].append(secret)
    return dict(secrets)


def load_sources(path: str | None, secrets_spec: str | None) -> dict[str, SourceConfig]:
    declared: dict[str, dict[str, Any]] = {source: {} for source in BUILT_IN_SOURCES}
    if path:
        document = yaml.safe_load(Path(path).read_text()) or {}
        sources = document.get("sources") if isinstance(document, dict) else None
        if not isinstance(sources, dict):
            raise InvalidSources(f"{path}: expected a mapping `sources: {{name: settings}}`")
        for name, settings in sources.items():
            declared[str(name)] = dict(settings or {})
    secrets = parse_secrets(secrets_spec) if secrets_spec else {}
    unknown = sorted(set(secrets) - set(declared))
    if unknown:
        raise InvalidSources(f"EC_WEBHOOK_SECRETS names unknown sources: {', '.join(unknown)}")
    configs = {}
    for name, overrides in declared.items():
        if name in secrets:
            signature = dict(overrides.get("signature") or {})
            signature["secrets"] = [SecretStr(s) for s in secrets[name]]
            overrides = {**overrides, "signature": signature}
        try:
            configs[name] = source_config(name, overrides)
        except (ValidationError, KeyError) as error:
            raise InvalidSources(f"source {name}: {error}") from None
    return configs
