"""The console's live board in a real browser (Debian's chromium): how long a
change made by another operator takes to show on an open board, over 20
changes. Baseline: how long the escalation API itself takes to list the change
(polled right after the command returns). Runs the embedded mode as a process."""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from playwright.async_api import async_playwright

from bench.report import Figure
from harness.processes import ServiceProcess

CHROMIUM = "/usr/bin/chromium"
CHANGES = 20
OPERATOR = "olivia:bench-operator"
INTAKE = "itsm:bench-intake"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run() -> list[Figure]:
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 (one stat, before anything runs)
        print(f"(console: no browser at {CHROMIUM}; deploy/browser.sh installs it)")
        return []
    with tempfile.TemporaryDirectory() as folder:
        process = ServiceProcess(
            "ec_embedded",
            env={
                "EC_API_TOKENS": f"operator:{OPERATOR},intake:{INTAKE}",
                "EC_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/ec.db",
                "EC_KAFKA_BOOTSTRAP_SERVERS": "",
            },
            log_dir=Path(folder),
        )
        process.start()
        try:
            await process.wait_healthy()
            return await _measure(process.url)
        finally:
            process.stop()


async def _start_escalation(api: httpx.AsyncClient, customer: str) -> str:
    posted = await api.post(
        "/v1/incidents",
        headers={"Authorization": f"Bearer {INTAKE}"},
        json={
            "source": "bench",
            "external_id": uuid.uuid4().hex,
            "title": "Bench: payments down",
            "priority": "P1",
            "customer": {"id": customer, "name": customer, "tier": "gold"},
            "service": "payments",
        },
    )
    incident = posted.json()["id"]
    while True:
        found = await api.get("/v1/escalations", params={"incident_id": incident})
        if found.json()["items"]:
            escalation: str = found.json()["items"][0]["id"]
            return escalation
        await asyncio.sleep(0.05)


async def _listed(api: httpx.AsyncClient, escalation: str, version: int) -> None:
    while True:
        found = await api.get("/v1/escalations", params={"state": "active", "limit": 500})
        if any(i["id"] == escalation and i["version"] >= version for i in found.json()["items"]):
            return
        await asyncio.sleep(0.001)


async def _measure(url: str) -> list[Figure]:
    customer = f"bench-{uuid.uuid4().hex[:6]}"
    headers = {"Authorization": f"Bearer {OPERATOR}"}
    board_ms: list[float] = []
    api_ms: list[float] = []
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as api:
        escalation = await _start_escalation(api, customer)
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = await browser.new_page()
            page.set_default_timeout(60_000)
            await page.goto(f"{url}/console/login")
            await page.fill("input[name=token]", OPERATOR)
            await page.click("form button[type=submit]")
            await page.goto(f"{url}/console/?customer={customer}")
            await page.wait_for_selector(f"tr.row[data-id='{escalation}']")
            due = (datetime.now(UTC) + timedelta(days=1)).isoformat()
            for n in range(CHANGES):
                await asyncio.sleep(random.uniform(0.2, 0.8))  # never in step with the polls
                answer = await api.post(
                    f"/v1/escalations/{escalation}/progress",
                    json={"note": f"bench {n}", "next_update_due": due},
                )
                changed = time.perf_counter()
                version = int(answer.json()["version"])
                await _listed(api, escalation, version)
                api_ms.append((time.perf_counter() - changed) * 1000)
                await page.wait_for_selector(
                    f"tr.row[data-id='{escalation}'][data-version='{version}']"
                )
                board_ms.append((time.perf_counter() - changed) * 1000)
            await browser.close()
    return [
        Figure(
            f"board shows another's change, p50 ms ({CHANGES})",
            statistics.median(board_ms),
            "ms",
            "the API lists the change, p50 ms",
            statistics.median(api_ms),
        ),
        Figure(
            f"board shows another's change, p95 ms ({CHANGES})",
            _percentile(board_ms, 0.95),
            "ms",
            "the API lists the change, p95 ms",
            _percentile(api_ms, 0.95),
            "< 1000 ms",
        ),
    ]
