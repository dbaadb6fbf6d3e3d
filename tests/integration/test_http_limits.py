"""Limits that hold on every route of the embedded app (all four services): a
body over its limit is 413 and records nothing; a body that is not JSON is 400."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.apps import app_on
from harness.factories import bearer, incident_body

LIMIT = 4_096
JSON = {"content-type": "application/json"}


@pytest.fixture
async def client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    async with app_on("sqlite", tmp_path, monkeypatch, EC_MAX_BODY_BYTES=str(LIMIT)) as client:
        yield client


async def board(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await client.get("/v1/escalations", headers=bearer("operator"))
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/body-too-large"
    assert problem["limit"] == LIMIT
    assert str(LIMIT) in problem["detail"]


async def test_a_command_body_over_the_limit_is_refused_and_records_nothing(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/escalations", json={"reason": "x" * LIMIT}, headers=bearer("operator")
    )

    assert_too_large(response)
    assert await board(client) == []


async def test_a_body_streamed_without_a_length_is_cut_at_the_limit(
    client: httpx.AsyncClient,
) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"reason": "'
        for _ in range(64):
            sent += 1
            yield b"x" * 1_024
        yield b'"}'

    response = await client.post(
        "/v1/escalations", content=chunks(), headers={**bearer("operator"), **JSON}
    )

    assert "content-length" not in response.request.headers
    assert_too_large(response)
    assert sent <= LIMIT // 1_024 + 1  # read no further than the limit
    assert await board(client) == []


async def test_the_limit_holds_on_the_notifier_too(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/subscriptions",
        json={"url": "https://itsm.example/hook", "event_types": ["x" * LIMIT]},
        headers=bearer("admin"),
    )

    assert_too_large(response)
    listed = await client.get("/v1/subscriptions", headers=bearer("admin"))
    assert listed.json()["items"] == []


async def test_incidents_keep_their_own_larger_limit(client: httpx.AsyncClient) -> None:
    body = incident_body(attributes={"notes": "x" * (4 * LIMIT)})

    response = await client.post("/v1/incidents", json=body, headers=bearer("intake"))

    assert response.status_code == 202, response.text


async def test_an_incident_over_the_intake_limit_is_refused(client: httpx.AsyncClient) -> None:
    body = incident_body(attributes={"notes": "x" * 300_000})

    response = await client.post("/v1/incidents", json=body, headers=bearer("intake"))

    assert response.status_code == 413
    assert response.json()["type"] == "/problems/body-too-large"


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("/v1/escalations", "operator"),
        (f"/v1/escalations/{uuid.uuid4()}/links", "operator"),
        (f"/v1/escalations/{uuid.uuid4()}/manager", "operator"),
        ("/v1/subscriptions", "admin"),
        ("/v1/incidents", "intake"),
        ("/v1/webhooks/servicenow", "intake"),
    ],
)
@pytest.mark.parametrize("body", [b'{"kind": "problem",', b'{"kind": "\xff"}'])
async def test_malformed_json_is_a_bad_request_on_every_route(
    client: httpx.AsyncClient, path: str, role: str, body: bytes
) -> None:
    method = "PUT" if path.endswith("/manager") else "POST"

    response = await client.request(method, path, content=body, headers={**bearer(role), **JSON})

    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/malformed-json"
    assert problem["status"] == 400
    assert problem["detail"].startswith("the body is not valid JSON")


async def test_invalid_json_that_parses_is_still_invalid_input(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"/v1/escalations/{uuid.uuid4()}/links",
        json={"kind": "nonsense", "ref": "PRB1"},
        headers=bearer("operator"),
    )

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["kind"]


async def test_a_streamed_incident_over_its_limit_is_refused_and_counted(
    client: httpx.AsyncClient,
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"title": "'
        for _ in range(300):
            yield b"x" * 1_024
        yield b'"}'

    response = await client.post(
        "/v1/incidents", content=chunks(), headers={**bearer("intake"), **JSON}
    )

    assert response.status_code == 413
    assert response.json()["limit"] == 256 * 1024
    metrics = (await client.get("/metrics", headers=bearer("auditor"))).text
    assert (
        'ec_intake_rejected_total{problem="/problems/body-too-large",source="incidents"} 1.0'
        in metrics
    )


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/v1/escalations", "customer_id"),
        ("/v1/timers", "kind"),
        ("/v1/deliveries", "status"),
        ("/v1/incidents", "q"),
        ("/v1/outbox", "to"),
    ],
)
async def test_a_nul_character_in_a_query_is_invalid_input_on_every_route(
    path: str, parameter: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PostgreSQL text cannot hold NUL: without the guard these were server errors.
    async with app_on("postgres", tmp_path, monkeypatch) as client:
        refused = await client.get(path, params={parameter: "a\x00b"}, headers=bearer("auditor"))

    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"] == [
        {"field": parameter, "message": "must not contain a NUL character"}
    ]
