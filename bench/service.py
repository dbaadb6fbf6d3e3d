"""A service under test, as its own process on a fresh database and fresh topics."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from harness.factories import API_TOKENS
from harness.infra import fresh_database, fresh_topic_prefix
from harness.processes import ServiceProcess


@dataclass(frozen=True)
class Running:
    url: str
    database_url: str


@contextlib.asynccontextmanager
async def running(module: str, *, kafka: str) -> AsyncIterator[Running]:
    async with fresh_database() as database_url:
        env = {
            "EC_DATABASE_URL": database_url,
            "EC_KAFKA_BOOTSTRAP_SERVERS": kafka,
            "EC_TOPIC_PREFIX": fresh_topic_prefix(),
            "EC_API_TOKENS": API_TOKENS,
        }
        with tempfile.TemporaryDirectory() as logs:
            service = ServiceProcess(module, env=env, log_dir=Path(logs))
            service.start()
            try:
                await service.wait_healthy()
                yield Running(service.url, database_url)
            finally:
                service.stop()
