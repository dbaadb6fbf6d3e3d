"""The example webhook payloads in tests/golden/webhooks, and configurations for them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ec_intake.webhooks import source_config
from ec_intake.webhooks.config import SourceConfig

GOLDEN = Path(__file__).parents[2] / "golden" / "webhooks"


def example(platform: str, name: str) -> dict[str, Any]:
    """A fresh copy each call, so a test may change it freely."""
    loaded: dict[str, Any] = json.loads((GOLDEN / platform / f"{name}.json").read_text())
    return loaded


def config(source: str, **overrides: Any) -> SourceConfig:
    return source_config(source, overrides)
