"""OpenTelemetry traces: the W3C trace context carried across every hop.

A trace context travels as two strings, `traceparent` and `tracestate`
(W3C Trace Context): in an HTTP request's headers, in a CloudEvent's
distributed-tracing extension (on Kafka the `ce_traceparent` and
`ce_tracestate` headers), and in the rows a request writes for a loop to act
on later (an event log the relay publishes, the notifier's deliveries, the
monitor's timers), so the later work continues the request's trace.

The context is always propagated; spans are exported only when the standard
`OTEL_TRACES_EXPORTER` says so (`otlp`)."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased
from opentelemetry.trace import Link, Span, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

TRACEPARENT = "traceparent"
TRACESTATE = "tracestate"
TRACER_NAME = "escalation-center"

_propagator = TraceContextTextMapPropagator()
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TraceContext:
    """A span's place in its trace, as W3C Trace Context writes it."""

    traceparent: str
    tracestate: str | None = None

    def as_headers(self) -> dict[str, str]:
        headers = {TRACEPARENT: self.traceparent}
        if self.tracestate:
            headers[TRACESTATE] = self.tracestate
        return headers

    @classmethod
    def of_row(cls, traceparent: str | None, tracestate: str | None) -> TraceContext | None:
        """The context a row was written in (see trace_context_columns)."""
        return None if traceparent is None else cls(traceparent, tracestate)

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> TraceContext | None:
        """The context named by `traceparent`, if it is a valid one."""
        traceparent = headers.get(TRACEPARENT)
        if not traceparent:
            return None
        carrier = {TRACEPARENT: traceparent, TRACESTATE: headers.get(TRACESTATE) or ""}
        span = trace.get_current_span(_propagator.extract(carrier))
        if not span.get_span_context().is_valid:
            return None
        return cls(traceparent, headers.get(TRACESTATE) or None)


def current_trace_context() -> TraceContext | None:
    """The current span's context, or None outside any trace."""
    return _injected(None)


def trace_context_values(trace_context: TraceContext | None) -> dict[str, str | None]:
    """The values of a row's trace context columns (see trace_context_columns)."""
    return {
        TRACEPARENT: trace_context.traceparent if trace_context else None,
        TRACESTATE: trace_context.tracestate if trace_context else None,
    }


def trace_context_of(span: Span) -> TraceContext:
    """`span`'s context, for a message or row that its trace continues from."""
    found = _injected(trace.set_span_in_context(span))
    if found is None:
        raise ValueError("the span has no valid context")
    return found


def _injected(context: otel_context.Context | None) -> TraceContext | None:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier, context=context)
    if TRACEPARENT not in carrier:
        return None
    return TraceContext(carrier[TRACEPARENT], carrier.get(TRACESTATE) or None)


def parent_from(trace_context: TraceContext | None) -> otel_context.Context | None:
    """An OpenTelemetry context whose current span is the remote parent."""
    if trace_context is None:
        return None
    return _propagator.extract(trace_context.as_headers())


def tracer() -> trace.Tracer:
    return trace.get_tracer(TRACER_NAME)


@contextlib.contextmanager
def continued_span(
    name: str,
    parent: TraceContext | None,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    attributes: Mapping[str, Any] | None = None,
) -> Iterator[Span]:
    """A span that continues `parent`'s trace (a new trace when it is None,
    whatever span is current), current for the block."""
    with tracer().start_as_current_span(
        name,
        context=parent_from(parent) or otel_context.Context(),
        kind=kind,
        attributes=dict(attributes or {}),
    ) as span:
        yield span


@contextlib.contextmanager
def joined_span(
    name: str,
    parents: Sequence[TraceContext | None],
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    attributes: Mapping[str, Any] | None = None,
) -> Iterator[Span]:
    """A span for work done for several callers at once (a batch): in the
    callers' trace when they share one, else in a new trace linked to each."""
    distinct = list(dict.fromkeys(p for p in parents if p is not None))
    if len(distinct) <= 1:
        with continued_span(
            name, distinct[0] if distinct else None, kind=kind, attributes=attributes
        ) as span:
            yield span
        return
    links = [Link(trace.get_current_span(parent_from(p)).get_span_context()) for p in distinct]
    with tracer().start_as_current_span(
        name,
        context=otel_context.Context(),
        kind=kind,
        links=links,
        attributes=dict(attributes or {}),
    ) as span:
        yield span


@contextlib.contextmanager
def child_span(
    name: str, *, kind: SpanKind = SpanKind.INTERNAL, attributes: Mapping[str, Any] | None = None
) -> Iterator[Span]:
    """A span under the current one, or nothing outside a trace: background
    polls (a relay finding nothing to publish) make no traces of their own."""
    if not trace.get_current_span().get_span_context().is_valid:
        yield trace.INVALID_SPAN
        return
    with tracer().start_as_current_span(name, kind=kind, attributes=dict(attributes or {})) as span:
        yield span


class OutboundRequest(Protocol):
    """What an HTTP client's request hook is given (httpx.Request)."""

    @property
    def headers(self) -> MutableMapping[str, str]: ...


async def send_trace_context(request: OutboundRequest) -> None:
    """An httpx request hook: the request carries the current span as its
    `traceparent`, so the receiver can continue the trace."""
    trace_context = current_trace_context()
    if trace_context is not None:
        request.headers.update(trace_context.as_headers())


def messaging_attributes(system: str, destination: str, operation: str) -> dict[str, str]:
    """OpenTelemetry's messaging semantic conventions."""
    return {
        "messaging.system": system,
        "messaging.destination.name": destination,
        "messaging.operation.type": operation,
    }


def install_tracer_provider(service_name: str) -> None:
    """The process's tracer provider, made by the first app built in it (the
    embedded mode builds one app; a test may install its own first, with an
    in-memory exporter). Spans are always made, so the context is always
    propagated; they leave the process only when OTEL_TRACES_EXPORTER=otlp."""
    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return
    name = os.environ.get("OTEL_SERVICE_NAME") or f"ec-{service_name}"
    exporters = {
        e.strip() for e in os.environ.get("OTEL_TRACES_EXPORTER", "none").split(",") if e.strip()
    }
    # Exporting nothing, a span is recorded only when its caller's trace is
    # sampled (traceparent flags 01): the others still get ids and propagate,
    # without the cost of recording what nobody reads. OTEL_TRACES_SAMPLER,
    # when set, decides instead.
    quiet = "otlp" not in exporters and not os.environ.get("OTEL_TRACES_SAMPLER")
    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: name}),
        sampler=ParentBased(ALWAYS_OFF) if quiet else None,
    )
    if "otlp" in exporters:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        # OTLP/HTTP; OTEL_EXPORTER_OTLP_ENDPOINT and its siblings are read by the exporter.
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    elif exporters - {"none"}:
        log.warning("OTEL_TRACES_EXPORTER=%s is not supported here (otlp or none)", exporters)
    trace.set_tracer_provider(provider)


class TraceIdsInLogs(logging.Filter):
    """Adds the current trace and span ids to every log record (`trace_id`,
    `span_id`; empty outside a trace)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = trace.get_current_span().get_span_context()
        record.trace_id = format(context.trace_id, "032x") if context.is_valid else ""
        record.span_id = format(context.span_id, "016x") if context.is_valid else ""
        return True
