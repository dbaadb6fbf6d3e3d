"""A small OTLP/HTTP receiver (protobuf, POST /v1/traces), standing in for an
OpenTelemetry collector: the services' exporters send it their spans."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from harness.threaded_http import ThreadedAsgiServer, request_body


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    name: str
    trace_id: str
    span_id: str
    parent_span_id: str


class OtlpReceiver(ThreadedAsgiServer):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spans: list[ReceivedSpan] = []
        super().__init__()

    def spans_of(self, trace_id: str) -> list[ReceivedSpan]:
        with self._lock:
            return [span for span in self._spans if span.trace_id == trace_id]

    async def _app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = await request_body(receive)
        if scope["path"] != "/v1/traces":
            await _answer(send, 404, b"")
            return
        request = ExportTraceServiceRequest.FromString(body)
        received = [
            ReceivedSpan(
                service=_service_of(resource_spans),
                name=span.name,
                trace_id=span.trace_id.hex(),
                span_id=span.span_id.hex(),
                parent_span_id=span.parent_span_id.hex(),
            )
            for resource_spans in request.resource_spans
            for scope_spans in resource_spans.scope_spans
            for span in scope_spans.spans
        ]
        with self._lock:
            self._spans.extend(received)
        await _answer(send, 200, ExportTraceServiceResponse().SerializeToString())


def _service_of(resource_spans: Any) -> str:
    for attribute in resource_spans.resource.attributes:
        if attribute.key == "service.name":
            return str(attribute.value.string_value)
    return ""


async def _answer(send: Any, status: int, body: bytes) -> None:
    headers = [
        (b"content-type", b"application/x-protobuf"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
