"""What the API accepts is what its OpenAPI document says.

Given the embedded app (every service's routes, SQLite, the in-process bus)
and its own OpenAPI document,
when every operation is called with input generated from the document, both
valid (positive) and invalid (negative), as the admin,
then no answer is a server error, every status is one the operation
documents, every JSON body matches its documented schema, and no input the
document forbids is accepted.

Schemathesis generates the input and runs the checks; Hypothesis is
derandomized so the same cases run on every machine, and each operation gets
a handful of examples so the whole test stays bounded. Failures are gathered
over all operations, so one run names every disagreement at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.python import asgi

from ec_embedded.app import create_app
from harness.factories import API_TOKENS, bearer, incident_body

# Schemathesis draws from the `random` module inside its strategies; Hypothesis
# seeds that module per example, and the warning names Schemathesis, not us.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Do not use the `random` module:hypothesis.errors.HypothesisDeprecationWarning"
)

# What this way of calling cannot exercise, each with why.
EXCLUDED = {
    # Prometheus text, not JSON, and no input to generate.
    ("GET", "/metrics"),
    # Readiness depends on the bus and the database, not on input; it has none.
    ("GET", "/healthz"),
}

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    negative_data_rejection,
]

EXAMPLES_PER_MODE = 25

# Invalid input may be refused for any reason the document names for errors;
# only a success (or a status no operation uses) counts as accepting it. 413
# is here because an oversized body is refused before it is parsed.
REJECTIONS = ["400", "401", "403", "404", "409", "412", "413", "422", "429"]
CONFIG = SchemathesisConfig.from_dict(
    {"checks": {"negative_data_rejection": {"expected-statuses": REJECTIONS}}}
)


@pytest.fixture
def api_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("EC_API_TOKENS", API_TOKENS)
    # All requests come from one address: past the customers' pace every
    # answer would be a (documented) 429 and the routes behind it untried.
    monkeypatch.setenv("EC_CUSTOMER_REQUESTS_PER_MINUTE", "100000")
    app = create_app(database_url=f"sqlite+aiosqlite:///{tmp_path}/ec.db")
    # Schemathesis starts the app's lifespan on the first request; it ends
    # here, while the settings above still hold.
    try:
        yield schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG)
    finally:
        asgi.shutdown_lifespans()


def _known_ids(schema: Any) -> dict[str, str]:
    """Records that exist, so generated calls reach past the 404 of an unknown
    id into the state rules, If-Match and the answers' schemas."""

    def created(path: str, body: dict[str, Any]) -> dict[str, Any]:
        case = schema[path]["POST"].Case(body=body, media_type="application/json")
        response = case.call(headers=bearer("admin"))
        assert response.status_code in (201, 202), response.text
        answer: dict[str, Any] = response.json()
        return answer

    return {
        "escalation_id": created("/v1/escalations", {"reason": "the customer called"})["id"],
        "incident_id": created("/v1/incidents", incident_body(priority="P4"))["id"],
    }


def _operations(schema: Any) -> list[Any]:
    operations = [result.ok() for result in schema.get_all_operations()]
    return [op for op in operations if (op.method.upper(), op.path) not in EXCLUDED]


def _disagreements(operation: Any, mode: GenerationMode, known: dict[str, str]) -> str | None:
    @given(case=operation.as_strategy(generation_mode=mode), use_known=st.booleans())
    @settings(
        max_examples=EXAMPLES_PER_MODE,
        deadline=None,
        derandomize=True,
        database=None,
        # A failure is reported as found: shrinking it would cost minutes.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def conforms(case: Any, use_known: bool) -> None:
        path = case._meta and case._meta.components.get(ParameterLocation.PATH)
        # Only a path that was generated valid is replaced: an invalid one is
        # the very input a negative case is about.
        if use_known and case.path_parameters and (path is None or path.mode.is_positive):
            for name in case.path_parameters.keys() & known.keys():
                case.path_parameters[name] = known[name]
        case.call_and_validate(headers=bearer("admin"), checks=CHECKS)

    try:
        conforms()
    except (Failure, FailureGroup) as found:  # gathered, so one run names them all
        failures = found.exceptions if isinstance(found, FailureGroup) else (found,)
        return f"{operation.method.upper()} {operation.path} ({mode.value}): " + "; ".join(
            _summary(failure) for failure in failures
        )
    return None


def _summary(failure: Failure) -> str:
    # The full report repeats the generated body, which may be megabytes.
    return f"{failure.title}: {failure.message[:300]}"


def test_given_the_openapi_document_when_every_operation_is_called_then_it_answers_as_documented(
    api_schema: Any,
) -> None:
    known = _known_ids(api_schema)
    operations = _operations(api_schema)
    failures = [
        failure
        for operation in operations
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        if (failure := _disagreements(operation, mode, known)) is not None
    ]

    assert len(operations) > 40  # the document still lists the routes
    assert not failures, "\n\n".join(failures)
