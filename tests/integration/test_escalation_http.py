"""The escalation routes on SQLite and real PostgreSQL: every answer has the
shape its route declares in /docs, and the route modules stay independent."""

from __future__ import annotations

import ast
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path

import httpx
import pytest
from pydantic import BaseModel

from ec_escalation.domain.criteria import RuleSet
from ec_escalation.http.schemas import (
    BoardItem,
    EscalationView,
    Page,
    RecordedEvent,
    TimelineEntry,
    VerificationView,
)
from harness.apps import app_on
from harness.factories import bearer
from harness.infra import DATABASES
from tests.support.escalation_http import VALID_BODIES, command, started


@pytest.fixture(params=DATABASES)
async def client(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    async with app_on(request.param, tmp_path, monkeypatch) as client:
        yield client


def assert_shape(response: httpx.Response, model: type[BaseModel]) -> None:
    assert response.status_code in (200, 201), response.text
    model.model_validate(response.json())  # extra fields are refused: the docs are complete


async def test_every_answer_has_the_declared_shape(client: httpx.AsyncClient) -> None:
    escalation_id = await started(client)
    for suffix, (_, body) in VALID_BODIES.items():
        assert_shape(await command(client, escalation_id, suffix, body), EscalationView)

    reader = bearer("auditor")
    for path, model in (
        (f"/v1/escalations/{escalation_id}", EscalationView),
        ("/v1/escalations", Page[BoardItem]),
        (f"/v1/escalations/{escalation_id}/events", Page[RecordedEvent]),
        (f"/v1/escalations/{escalation_id}/timeline", Page[TimelineEntry]),
        ("/v1/events", Page[RecordedEvent]),
        ("/v1/audit/verify", VerificationView),
        ("/v1/criteria", RuleSet),
    ):
        assert_shape(await client.get(path, headers=reader), model)


async def test_every_escalation_route_declares_its_success_schema(
    client: httpx.AsyncClient,
) -> None:
    spec = (await client.get("/openapi.json")).json()
    escalation_paths = [
        p
        for p in spec["paths"]
        if p.startswith(("/v1/escalations", "/v1/events", "/v1/audit", "/v1/criteria"))
        or p.endswith("/decisions")
    ]
    assert len(escalation_paths) >= 8
    for path in escalation_paths:
        for method, operation in spec["paths"][path].items():
            success = operation["responses"].get("200") or operation["responses"]["201"]
            content = success["content"]
            if "application/json" not in content:
                # A document rather than data (the review report: HTML or PDF).
                assert set(content) == {"text/html", "application/pdf"}, path
                assert all(media["schema"]["type"] == "string" for media in content.values())
                continue
            schema = content["application/json"]["schema"]
            assert "$ref" in schema, f"{method.upper()} {path} documents no answer"


def test_route_modules_import_the_context_not_each_other() -> None:
    package = resources.files("ec_escalation.http")
    route_modules = {
        "commands",
        "customer",
        "queries",
        "audit",
        "decisions",
        "reports",
        "review_report",
    }
    for name in route_modules | {"context"}:
        tree = ast.parse(package.joinpath(f"{name}.py").read_text())
        imported = {
            (node.module or "").removeprefix("ec_escalation.http.")
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
        } | {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "ec_escalation.http"
            for alias in node.names
        }
        assert not imported & (route_modules | {"router"}), f"{name} imports {imported}"
