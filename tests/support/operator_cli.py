"""Running an operators' command (`python -m ec_platform.<tool>`) against a
Kafka, as an operator would from a shell."""

from __future__ import annotations

import os
import subprocess
import sys


def operator_command(module: str, *args: str, bootstrap: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EC_KAFKA_BOOTSTRAP_SERVERS": bootstrap}
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
