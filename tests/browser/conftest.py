"""The console in a real browser (Debian's chromium driven by Playwright),
against the embedded mode run as its own process on a free port."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Dialog,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from harness.processes import ServiceProcess
from tests.browser.console import OSCAR, TOKENS, Console

CHROMIUM = os.environ.get("EC_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(os.environ.get("EC_BROWSER_SHOTS", ".local/browser-shots"))
WAIT_MS = 60_000

pytestmark = pytest.mark.browser
# Generous waits that judge what happened, never how fast.
expect.set_options(timeout=WAIT_MS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if not Path(CHROMIUM).exists():
                item.add_marker(
                    pytest.mark.skip(reason=f"no browser at {CHROMIUM}: deploy/browser.sh")
                )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"report_{report.when}", report)


@contextmanager
def running_embedded(folder: Path, **env: str) -> Iterator[str]:
    """The embedded mode as its own process, with the console's tokens and
    `env` ("{url}" in a value stands for the process's own address); yields
    its base URL once healthy."""
    process = ServiceProcess(
        "ec_embedded",
        env={
            "EC_API_TOKENS": ",".join(
                [f"{role}:{token}" for role, token in TOKENS.items()] + [f"operator:{OSCAR}"]
            ),
            "EC_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/ec.db",
            "EC_KAFKA_BOOTSTRAP_SERVERS": "",
            # The receivers the tests deliver to listen on 127.0.0.1.
            "EC_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8",
        },
        log_dir=folder,
    )
    process.env.update({k: v.replace("{url}", process.url) for k, v in env.items()})
    process.start()
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{process.url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"embedded app not healthy:\n{process.log_tail()}")
            time.sleep(0.2)
        yield process.url
    finally:
        process.stop()


@pytest.fixture(scope="session")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_embedded(tmp_path_factory.mktemp("console")) as url:
        yield url


# Per module, not per session: while Playwright's sync API is open it holds an
# event loop in this thread, and the suite's async tests need it back.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    yield browser
    browser.close()


def _record(dialog: Dialog, dialogs: list[str]) -> None:
    dialogs.append(dialog.message)
    dialog.dismiss()


@pytest.fixture
def open_console(
    browser: Browser, embedded: str, request: pytest.FixtureRequest
) -> Iterator[Console.Factory]:
    """Opens browser sessions (each its own cookies); screenshots them all when
    the test fails."""
    contexts: list[tuple[str, BrowserContext, Page]] = []
    dialogs: list[str] = []

    def open_one(name: str, *, width: int = 1280, height: int = 900) -> Console:
        context = browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(WAIT_MS)
        page = context.new_page()
        page.on("dialog", lambda dialog: _record(dialog, dialogs))
        contexts.append((name, context, page))
        return Console(page, embedded, dialogs)

    yield open_one
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SHOTS.mkdir(parents=True, exist_ok=True)
        test = re.sub(r"[^\w.-]+", "_", request.node.name)
        for name, _, page in contexts:
            page.screenshot(path=str(SHOTS / f"failed-{test}-{name}.png"), full_page=True)
    for _, context, _ in contexts:
        context.close()
