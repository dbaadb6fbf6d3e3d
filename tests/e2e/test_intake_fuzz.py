"""Fuzzing the intake from its own OpenAPI schema (schemathesis): whatever
arrives, the answer is never a server error."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from harness.factories import API_TOKENS, TOKENS
from harness.processes import ServiceProcess

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def intake_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    process = ServiceProcess(
        "ec_embedded",
        env={"EC_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/ec.db", "EC_API_TOKENS": API_TOKENS},
        log_dir=folder,
    )
    process.start()
    try:
        _wait_healthy(process.url)
        schema = schemathesis.openapi.from_url(f"{process.url}/openapi.json")
        yield schema.include(path_regex="^/v1/(incidents|webhooks)")
    finally:
        process.stop()


def _wait_healthy(url: str) -> None:
    import time

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("the embedded app did not start")


@pytest.mark.parametrize(
    ("method", "path", "role"),
    [
        ("POST", "/v1/incidents", "intake"),
        ("POST", "/v1/webhooks/{source}", "intake"),
        ("GET", "/v1/incidents", "operator"),
        ("GET", "/v1/incidents/{incident_id}", "operator"),
    ],
)
def test_no_input_makes_the_intake_fail(
    intake_schema: Any, method: str, path: str, role: str
) -> None:
    [operation] = [
        result.ok()
        for result in intake_schema.get_all_operations()
        if result.ok().path == path and result.ok().method.upper() == method
    ]

    answers: Counter[int] = Counter()

    @given(
        case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE)
        | operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
        source=st.sampled_from(["servicenow", "jira", "pagerduty", "alertmanager", "nowhere"]),
    )
    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    def never_a_server_error(case: Any, source: str) -> None:
        if "source" in (case.path_parameters or {}):
            case.path_parameters = {"source": source}  # mostly sources that exist
        response = case.call(headers={"Authorization": f"Bearer {TOKENS[role]}"}, timeout=10)
        answers[response.status_code] += 1
        assert response.status_code < 500, response.text

    never_a_server_error()
    print(path, dict(answers))
    assert sum(answers.values()) >= 50
