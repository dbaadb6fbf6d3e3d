"""Reading the event catalogue (/asyncapi.json) as a subscriber would: which
message a Kafka record is, and whether its headers, key and payload are as the
catalogue says."""

from __future__ import annotations

import json
from functools import cache
from typing import Any
from uuid import UUID

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

from ec_events.cloudevents import TYPE_PREFIX
from tests.support.deployment import checker

Document = dict[str, Any]


@cache
def asyncapi_schema() -> Document:
    """The AsyncAPI 3.0.0 schema (deploy/checkers.sh fetches it from npm)."""
    loaded: Document = json.loads(checker("asyncapi-3.0.0.json").read_text())
    return loaded


def spec_errors(document: Document) -> list[str]:
    validator = Draft7Validator(asyncapi_schema())
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(document)]


def resolve(document: Document, ref: str) -> Any:
    assert ref.startswith("#/"), ref
    found: Any = document
    for part in ref[2:].split("/"):
        found = found[part]
    return found


def refs_in(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in refs_in(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in refs_in(value)]
    return []


def channel_at(document: Document, address: str) -> Document:
    found = [c for c in document["channels"].values() if c["address"] == address]
    assert len(found) == 1, f"{address}: {len(found)} channels in the catalogue"
    return found[0]


def messages_of(document: Document, channel: Document) -> dict[str, Document]:
    return {name: resolve(document, m["$ref"]) for name, m in channel["messages"].items()}


def documented_headers(document: Document, message: Document) -> frozenset[str]:
    headers = message["headers"]
    schemas = [resolve(document, s["$ref"]) if "$ref" in s else s for s in headers.get("allOf", [])]
    if "$ref" in headers:
        schemas.append(resolve(document, headers["$ref"]))
    return frozenset(name for schema in schemas for name in schema.get("properties", {}))


def invalid(document: Document, schema: Document, value: Any) -> str | None:
    """Why `value` does not fit `schema` (refs resolved in `document`), or None."""
    rooted = {**schema, "components": document["components"]}
    validator = Draft7Validator(rooted, format_checker=Draft7Validator.FORMAT_CHECKER)
    try:
        validator.validate(value)
    except ValidationError as error:
        return f"{list(error.absolute_path)}: {error.message[:300]}"
    return None


def record_problems(
    document: Document, address: str, key: bytes | None, value: bytes, headers: dict[str, str]
) -> list[str]:
    """What in one record on `address` the catalogue does not describe."""
    channel = channel_at(document, address)
    messages = messages_of(document, channel)
    ce_type = headers.get("ce_type", "")
    name = ce_type.removeprefix(TYPE_PREFIX)
    dead_letter = "DeadLetter" in messages
    if dead_letter:
        message = messages["DeadLetter"]
    elif name in messages and ce_type.startswith(TYPE_PREFIX):
        message = messages[name]
    else:
        return [f"{address}: {ce_type!r} is not a message of this channel"]
    problems = [
        f"{address} {name}: header {header} is not documented"
        for header in sorted(set(headers) - documented_headers(document, message))
    ]
    for what, schema, content in (
        ("headers", message["headers"], headers),
        # A dead letter's value is the original's, byte for byte: perhaps not JSON.
        ("payload", message["payload"], value.decode() if dead_letter else json.loads(value)),
        ("key", message.get("bindings", {}).get("kafka", {}).get("key", {}), _text(key)),
    ):
        why = invalid(document, schema, content)
        if why:
            problems.append(f"{address} {name}: {what} {why}")
    if not dead_letter and str(UUID(_text(key))) != headers.get("ce_subject"):
        problems.append(f"{address} {name}: the key is not ce_subject")
    return problems


def _text(key: bytes | None) -> str:
    return (key or b"").decode()
