"""GET /asyncapi.json: the embedded mode serves the whole event catalogue, as
`python -m ec_embedded.asyncapi` prints it, to anyone (like /openapi.json)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from harness.apps import app_on
from tests.support.catalogue import spec_errors


async def test_the_embedded_mode_serves_the_whole_catalogue_without_a_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the embedded app with its own topic prefix
    async with app_on("sqlite", tmp_path, monkeypatch, EC_TOPIC_PREFIX="acme.") as client:
        # when the catalogue is asked for without a token
        answer = await client.get("/asyncapi.json")
    # then it is the whole catalogue, its topics named with the prefix
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    served = answer.json()
    assert spec_errors(served) == []
    assert {channel["address"] for channel in served["channels"].values()} == {
        f"acme.{topic}{dlq}"
        for topic in ("incidents", "escalations", "monitor")
        for dlq in ("", ".dlq")
    }
    # and the command prints the same document
    assert printed_catalogue(prefix="acme.") == served


def printed_catalogue(*, prefix: str) -> Any:
    printed = subprocess.run(
        [sys.executable, "-m", "ec_embedded.asyncapi"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**os.environ, "EC_TOPIC_PREFIX": prefix},
    )
    return json.loads(printed.stdout)
