from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest

from harness.factories import API_TOKENS
from harness.processes import ServiceProcess, running_processes
from tests.support.lifecycle import Services

SERVICES = ("intake", "escalation", "notifier", "monitor")


def cluster_env(postgres_url: str, kafka_servers: str, topic_prefix: str) -> dict[str, str]:
    return {
        "EC_DATABASE_URL": postgres_url,
        "EC_KAFKA_BOOTSTRAP_SERVERS": kafka_servers,
        "EC_TOPIC_PREFIX": topic_prefix,
        "EC_API_TOKENS": API_TOKENS,
        # The receivers and ITSM fakes listen on 127.0.0.1: allowed explicitly.
        "EC_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8",
        "EC_KAFKA_SESSION_TIMEOUT_MS": "6000",
        "EC_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
        # No personal links unless a test names the escalation service it runs
        # (the default address may be another process's on this machine).
        "EC_CUSTOMER_PAGE_URL": "",
    }


@pytest.fixture
async def cluster(
    postgres_url: str, kafka_servers: str, topic_prefix: str, tmp_path: Path
) -> AsyncIterator[dict[str, ServiceProcess]]:
    """The four services as separate processes on real Kafka and PostgreSQL."""
    env = cluster_env(postgres_url, kafka_servers, topic_prefix)
    services = {name: ServiceProcess(f"ec_{name}", env=env, log_dir=tmp_path) for name in SERVICES}
    async with running_processes(services):
        yield services


@pytest.fixture
async def services(cluster: dict[str, ServiceProcess]) -> AsyncIterator[Services]:
    """An HTTP client for each of the cluster's services."""
    async with AsyncExitStack() as stack:
        clients = {
            name: await stack.enter_async_context(
                httpx.AsyncClient(base_url=process.url, timeout=10)
            )
            for name, process in cluster.items()
        }
        yield Services(**clients)
