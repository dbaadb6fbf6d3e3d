"""Services as separate operating-system processes, as they run in production."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ServiceProcess:
    def __init__(self, module: str, *, env: Mapping[str, str], log_dir: Path) -> None:
        self.module = module
        self.port = free_port()
        self.env = {**os.environ, **env}
        self.log_path = log_dir / f"{module}-{self.port}.log"
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", self.module, "--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    async def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                if self._process is not None and self._process.poll() is not None:
                    raise AssertionError(f"{self.module} exited:\n{self.log_tail()}")
                try:
                    if (await client.get(f"{self.url}/healthz", timeout=1)).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
        raise AssertionError(f"{self.module} not healthy in {timeout} s:\n{self.log_tail()}")

    def kill(self) -> None:
        """kill -9: no shutdown code runs."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait()

    def stop(self) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextlib.asynccontextmanager
async def running_processes(
    processes: Mapping[str, ServiceProcess],
) -> AsyncIterator[Mapping[str, ServiceProcess]]:
    """Starts them all, then waits for each to be healthy; stops them all after."""
    try:
        for process in processes.values():
            process.start()
        for process in processes.values():
            await process.wait_healthy()
        yield processes
    finally:
        for process in processes.values():
            process.stop()
