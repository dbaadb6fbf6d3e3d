"""The API pages work for a person: /docs loads from the service itself (no
internet needed), the document declares the bearer scheme so "Authorize" and
"Try it out" send the token, and each route documents what it really answers."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.factories import API_TOKENS

PUBLIC = {("get", "/healthz")}
# A customer's own routes: the personal link's token in the path is the credential.
CUSTOMER_ROUTES = "/v1/customer/{token}"
PROBLEM = {"$ref": "#/components/schemas/ProblemDetails"}


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield method, path, operation


def test_the_document_declares_the_bearer_scheme(document: dict[str, Any]) -> None:
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A token from EC_API_TOKENS (the part after `role:`)",
    }


def test_every_operation_but_health_takes_the_token(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        if (method, path) in PUBLIC or path.startswith(CUSTOMER_ROUTES):
            assert "security" not in operation, path
            continue
        assert {"bearer": []} in operation.get("security", []), (method, path)
        for status in ("401", "403"):
            answer = operation["responses"][status]
            assert answer["content"]["application/problem+json"]["schema"] == PROBLEM


def test_every_operation_documents_its_success_answer(document: dict[str, Any]) -> None:
    missing = []
    for method, path, operation in operations(document):
        successes = [status for status in operation["responses"] if status.startswith("2")]
        assert successes, (method, path)
        for success in successes:
            if success == "204":
                continue
            content = operation["responses"][success].get("content", {})
            schemas = [media.get("schema", {}) for media in content.values()]
            generic = all(schema.get("additionalProperties") is True for schema in schemas)
            if not any(schemas) or generic:
                missing.append((method, path, success))
    assert missing == []


def test_error_answers_follow_from_each_route(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        responses = operation["responses"]
        parameters = operation.get("parameters", [])
        expected = set()
        if "requestBody" in operation:
            expected |= {"400", "413", "422"}
        if any(p["in"] == "path" for p in parameters):
            expected |= {"404", "422"}
        if any(p["name"].lower() == "if-match" for p in parameters):
            expected |= {"412"}
        assert expected <= set(responses), (method, path)
        for status in expected:
            assert responses[status]["content"]["application/problem+json"]["schema"] == PROBLEM
    [retry] = [op for m, p, op in operations(document) if p == "/v1/deliveries/{delivery_id}/retry"]
    assert "409" in retry["responses"]


def test_problem_details_are_described_once(document: dict[str, Any]) -> None:
    schema = document["components"]["schemas"]["ProblemDetails"]

    assert set(schema["required"]) == {"type", "title", "status", "detail"}
    assert "errors" in schema["properties"]
    assert "HTTPValidationError" not in document["components"]["schemas"]


async def test_the_docs_page_loads_everything_from_the_service(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text) + re.findall(
        r"url: '([^']+)'", page.text
    )
    assert len(urls) == 4  # script, style sheet, icon, the document
    assert "http://" not in page.text
    assert "https://" not in page.text
    for url in urls:
        assert url.startswith("/"), url
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 100, url


async def test_only_the_vendored_assets_are_served(client: httpx.AsyncClient) -> None:
    script = await client.get("/docs/assets/swagger-ui-bundle.js")
    other = await client.get("/docs/assets/LICENSE")

    assert script.headers["content-type"].startswith("text/javascript")
    assert b"SwaggerUIBundle" in script.content
    assert other.status_code == 404
    assert (await client.get("/redoc")).status_code == 404


@pytest.mark.parametrize("service", ["intake", "escalation", "notifier", "monitor"])
async def test_each_service_alone_serves_the_same_pages(
    service: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EC_API_TOKENS", API_TOKENS)
    monkeypatch.setenv("EC_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/ec.db")
    factory = importlib.import_module(f"ec_{service}.app").create_app
    # Neither the document nor the pages need the lifespan (database, bus).
    transport = httpx.ASGITransport(app=factory())
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        document = (await client.get("/openapi.json")).json()
        page = await client.get("/docs")
        script = await client.get("/docs/assets/swagger-ui-bundle.js")

    assert "bearer" in document["components"]["securitySchemes"]
    for method, path, operation in operations(document):
        public = (method, path) in PUBLIC or path.startswith(CUSTOMER_ROUTES)
        assert public != ("security" in operation), (method, path)
    assert "/docs/assets/swagger-ui-bundle.js" in page.text
    assert script.status_code == 200


def test_every_escalation_command_documents_its_refusal(document: dict[str, Any]) -> None:
    commands = [
        (method, path, operation)
        for method, path, operation in operations(document)
        if path.startswith("/v1/escalations")
        and method in ("post", "put")
        # Revoking links refuses nothing: an unknown contact has none to revoke.
        and not path.endswith("/customer-links/revocation")
    ]
    assert len(commands) >= 13
    for method, path, operation in commands:
        answer = operation["responses"]["409"]
        assert answer["content"]["application/problem+json"]["schema"] == PROBLEM, (method, path)
