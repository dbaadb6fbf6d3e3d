from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from harness.infra import fresh_database, fresh_topic_prefix, kafka_bootstrap


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    async with fresh_database() as url:
        yield url


@pytest.fixture
def kafka_servers() -> str:
    return kafka_bootstrap()


@pytest.fixture
def topic_prefix() -> str:
    return fresh_topic_prefix()
