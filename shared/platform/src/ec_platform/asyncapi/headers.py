"""The Kafka headers of the event catalogue's messages, as JSON schemas: the
CloudEvents binary-mode headers `Envelope.to_binary` writes, the extensions the
services add, and the `ec_dlq_*` headers of a dead letter."""

from __future__ import annotations

from typing import Any

from ec_events.cloudevents import (
    CONTENT_TYPE,
    EXT_CAUSATION,
    EXT_CORRELATION,
    EXT_SCHEMA_VERSION,
    SPEC_VERSION,
    TYPE_PREFIX,
)
from ec_platform.bus.dead_letters import HEADERS, PREFIX, REPLAYED_FROM
from ec_platform.storage.event_records import POSITION, STREAM_VERSION

# The CloudEvents distributed-tracing extension (W3C Trace Context), on the
# messages of services that propagate a trace.
TRACE_PARENT = "traceparent"
TRACE_STATE = "tracestate"


def _text(description: str, **constraints: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **constraints}


def _ce(attribute: str) -> str:
    return f"ce_{attribute}"


_REQUIRED = {
    _ce("specversion"): _text("The CloudEvents version", const=SPEC_VERSION),
    _ce("id"): _text(
        "The event's id, unique: a consumer drops one it has handled (the `id` of the event "
        "in the escalation service's HTTP answers)"
    ),
    _ce("type"): _text(
        f"`{TYPE_PREFIX}` and the event's name: which message this is",
        pattern="^" + TYPE_PREFIX.replace(".", "\\.") + "[A-Za-z]+$",
    ),
    _ce("source"): _text("The publishing service, e.g. `/escalation-center/intake`"),
    _ce("time"): _text("When the event was recorded (ISO 8601)", format="date-time"),
    _ce("subject"): _text("The aggregate id (escalation or incident), equal to the key"),
    _ce(EXT_SCHEMA_VERSION): _text(
        "The payload's schema version, as recorded (older ones are lifted by the message's "
        "upcasters)",
        pattern="^[1-9][0-9]*$",
    ),
    "content-type": _text("The value's media type", const=CONTENT_TYPE),
}
_OPTIONAL = {
    _ce(EXT_CORRELATION): _text("What set off the chain of events, where known"),
    _ce(EXT_CAUSATION): _text("The id of the event or request that caused this one"),
    _ce(STREAM_VERSION): _text("Its place in its aggregate's stream, from 1", pattern="^[0-9]+$"),
    _ce(POSITION): _text(
        "Its place in the publishing service's log: increasing, not dense", pattern="^[0-9]+$"
    ),
    _ce(TRACE_PARENT): _text("W3C trace context: the trace and span it was published in"),
    _ce(TRACE_STATE): _text("W3C trace context: vendor-specific trace state"),
    REPLAYED_FROM: _text(
        "On a dead letter sent back by `python -m ec_platform.dlq replay`: "
        "`<dlq topic>:<partition>@<offset>`"
    ),
}

CLOUD_EVENT_HEADERS: dict[str, Any] = {
    "type": "object",
    "description": "Kafka headers, UTF-8 text. Ignore headers you do not know.",
    "required": list(_REQUIRED),
    "properties": {**_REQUIRED, **_OPTIONAL},
}

DEAD_LETTER_HEADERS: dict[str, Any] = {
    "type": "object",
    "description": "The original message's headers (its CloudEvent headers, if it had "
    f"them) and these `{PREFIX}*`, added when it was dead-lettered.",
    "required": [PREFIX + name for name in HEADERS],
    "properties": {
        **_REQUIRED,
        **_OPTIONAL,
        **{PREFIX + name: _text(meaning) for name, meaning in HEADERS.items()},
    },
}


def message_headers(event_name: str) -> dict[str, Any]:
    """The headers of one event's messages: the CloudEvent headers, `ce_type` its own."""
    return {
        "allOf": [
            {"$ref": "#/components/schemas/CloudEventHeaders"},
            {"properties": {_ce("type"): {"const": TYPE_PREFIX + event_name}}},
        ]
    }
