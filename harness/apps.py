"""Running an app in the test's own event loop, with its lifespan; the embedded
app (all four services, the in-process bus) on either database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from ec_embedded.app import create_app
from harness.factories import API_TOKENS
from harness.infra import database_of


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            yield client


@asynccontextmanager
async def app_on(
    kind: str, folder: Path, monkeypatch: pytest.MonkeyPatch, **settings: str
) -> AsyncIterator[httpx.AsyncClient]:
    """The embedded app on SQLite (`kind` "sqlite") or a fresh PostgreSQL
    database ("postgres"), with the test tokens and any `EC_…` settings given."""
    monkeypatch.setenv("EC_API_TOKENS", API_TOKENS)
    # The tests' receivers listen on 127.0.0.1 (a test may narrow this).
    monkeypatch.setenv("EC_OUTBOUND_ALLOWED_NETWORKS", "127.0.0.0/8")
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    async with database_of(kind, folder) as url, serving(create_app(database_url=url)) as client:
        yield client
