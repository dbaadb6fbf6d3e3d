"""CloudEvents 1.0 envelope, in Kafka binary content mode and structured JSON mode."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from ec_events.base import Event
from ec_events.registry import Payload, parse_event

SPEC_VERSION = "1.0"
TYPE_PREFIX = "org.escalationcenter."
CONTENT_TYPE = "application/json"
# Extension attributes (lower-case alphanumerics, as the spec requires).
EXT_SCHEMA_VERSION = "schemaversion"
EXT_CORRELATION = "correlationid"
EXT_CAUSATION = "causationid"
# The CloudEvents distributed-tracing extension (W3C Trace Context values).
EXT_TRACEPARENT = "traceparent"
EXT_TRACESTATE = "tracestate"
TRACE_EXTENSIONS = (EXT_TRACEPARENT, EXT_TRACESTATE)


class InvalidEnvelope(ValueError):
    """A message that is not a CloudEvent this system can read."""


@dataclass(frozen=True)
class Message:
    """One Kafka record's content: key, value and headers."""

    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value.decode("utf-8", errors="replace")
        return None


@dataclass(frozen=True)
class Envelope:
    id: str
    type: str
    source: str
    subject: str
    time: datetime
    data: Payload
    schema_version: int = 1
    correlation_id: str | None = None
    causation_id: str | None = None
    extensions: dict[str, str] = field(default_factory=dict)

    @classmethod
    def wrap(
        cls,
        event: Event,
        *,
        id: UUID | str,
        source: str,
        time: datetime | None = None,
        correlation_id: str | None = None,
        causation_id: str | None = None,
    ) -> Envelope:
        return cls(
            id=str(id),
            type=event.event_name(),
            source=source,
            subject=event.subject,
            time=time or datetime.now(UTC),
            data=event.model_dump(mode="json"),
            schema_version=event.schema_version,
            correlation_id=correlation_id,
            causation_id=causation_id,
        )

    def traced(self, trace_headers: dict[str, str]) -> Envelope:
        """This event carrying a trace context (`traceparent`, `tracestate`)."""
        kept = {k: v for k, v in self.extensions.items() if k not in TRACE_EXTENSIONS}
        added = {k: v for k, v in trace_headers.items() if k in TRACE_EXTENSIONS and v}
        return replace(self, extensions=kept | added)

    def trace_headers(self) -> dict[str, str]:
        """The trace context the event carries, as W3C Trace Context headers."""
        return {k: v for k, v in self.extensions.items() if k in TRACE_EXTENSIONS}

    @property
    def ce_type(self) -> str:
        return f"{TYPE_PREFIX}{self.type}"

    def event(self) -> Event:
        return parse_event(self.type, self.data, self.schema_version)

    def to_binary(self) -> Message:
        headers = [
            ("ce_specversion", SPEC_VERSION),
            ("ce_id", self.id),
            ("ce_type", self.ce_type),
            ("ce_source", self.source),
            ("ce_time", self.time.isoformat()),
            ("ce_subject", self.subject),
            (f"ce_{EXT_SCHEMA_VERSION}", str(self.schema_version)),
            ("content-type", CONTENT_TYPE),
        ]
        if self.correlation_id:
            headers.append((f"ce_{EXT_CORRELATION}", self.correlation_id))
        if self.causation_id:
            headers.append((f"ce_{EXT_CAUSATION}", self.causation_id))
        headers.extend((f"ce_{name}", value) for name, value in self.extensions.items())
        return Message(
            key=self.subject.encode(),
            value=_dump(self.data),
            headers=tuple((name, value.encode()) for name, value in headers),
        )

    @classmethod
    def from_binary(cls, message: Message) -> Envelope:
        attributes = {
            name[3:]: value.decode("utf-8", errors="replace")
            for name, value in message.headers
            if name.startswith("ce_")
        }
        if attributes.get("specversion") != SPEC_VERSION:
            raise InvalidEnvelope("ce_specversion is missing or not 1.0")
        try:
            data = json.loads(message.value)
        except ValueError as error:
            raise InvalidEnvelope(f"value is not JSON: {error}") from None
        return cls._from_attributes(attributes, data)

    def to_structured(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "specversion": SPEC_VERSION,
            "id": self.id,
            "type": self.ce_type,
            "source": self.source,
            "subject": self.subject,
            "time": self.time.isoformat(),
            "datacontenttype": CONTENT_TYPE,
            EXT_SCHEMA_VERSION: str(self.schema_version),
            "data": self.data,
        }
        if self.correlation_id:
            body[EXT_CORRELATION] = self.correlation_id
        if self.causation_id:
            body[EXT_CAUSATION] = self.causation_id
        body.update(self.extensions)
        return body

    @classmethod
    def from_structured(cls, body: dict[str, Any]) -> Envelope:
        if body.get("specversion") != SPEC_VERSION:
            raise InvalidEnvelope("specversion is missing or not 1.0")
        attributes = {k: str(v) for k, v in body.items() if k not in ("data", "datacontenttype")}
        return cls._from_attributes(attributes, body.get("data"))

    @classmethod
    def _from_attributes(cls, attributes: dict[str, str], data: Any) -> Envelope:
        missing = [a for a in ("id", "type", "source", "time") if not attributes.get(a)]
        if missing:
            raise InvalidEnvelope(f"missing CloudEvent attributes: {', '.join(missing)}")
        if not isinstance(data, dict):
            raise InvalidEnvelope("data is not a JSON object")
        try:
            time = datetime.fromisoformat(attributes["time"])
            schema_version = int(attributes.get(EXT_SCHEMA_VERSION, "1"))
        except ValueError as error:
            raise InvalidEnvelope(str(error)) from None
        known = {"specversion", "id", "type", "source", "subject", "time", EXT_SCHEMA_VERSION}
        known |= {EXT_CORRELATION, EXT_CAUSATION}
        return cls(
            id=attributes["id"],
            type=attributes["type"].rsplit(".", 1)[-1],
            source=attributes["source"],
            subject=attributes.get("subject", ""),
            time=time,
            data=data,
            schema_version=schema_version,
            correlation_id=attributes.get(EXT_CORRELATION),
            causation_id=attributes.get(EXT_CAUSATION),
            extensions={k: v for k, v in attributes.items() if k not in known},
        )


def _dump(data: Payload) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
