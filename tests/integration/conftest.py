from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from harness.apps import app_on


@pytest.fixture
async def client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    """The embedded app on SQLite; a module that needs more defines its own."""
    async with app_on("sqlite", tmp_path, monkeypatch) as client:
        yield client
