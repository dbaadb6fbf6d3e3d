"""Reading the spans this test process made: one in-memory exporter added to
the process's tracer provider (the app installs the provider; a process has
one), and the spans read back as trees."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from ec_platform.observability.tracing import install_tracer_provider
from harness.factories import bearer, incident_body
from harness.waiting import eventually

# A trace id and parent span id of the kind an ITSM platform's own tracing sends.
CALLER_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN_ID = "00f067aa0ba902b7"
CALLER_TRACEPARENT = f"00-{CALLER_TRACE_ID}-{CALLER_SPAN_ID}-01"
CALLER_TRACESTATE = "itsm=incident-intake"


@functools.cache
def recorded_spans() -> InMemorySpanExporter:
    """The exporter every span of this process goes to (made on first use)."""
    install_tracer_provider("tests")
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


def spans_of(trace_id: str) -> list[ReadableSpan]:
    return [
        span
        for span in recorded_spans().get_finished_spans()
        if span.context is not None and format(span.context.trace_id, "032x") == trace_id
    ]


@dataclass
class SpanNode:
    span: ReadableSpan
    children: list[SpanNode] = field(default_factory=list)


def span_tree(spans: list[ReadableSpan]) -> list[SpanNode]:
    """The spans as trees, each root a span whose parent is not among them
    (the caller's own span, for a trace continued from a traceparent)."""
    nodes = {span.context.span_id: SpanNode(span) for span in spans if span.context is not None}
    roots: list[SpanNode] = []
    for node in sorted(nodes.values(), key=lambda n: n.span.start_time or 0):
        parent = node.span.parent
        if parent is not None and parent.span_id in nodes:
            nodes[parent.span_id].children.append(node)
        else:
            roots.append(node)
    return roots


def walk(roots: list[SpanNode], depth: int = 0) -> Iterator[tuple[int, SpanNode]]:
    for node in roots:
        yield depth, node
        yield from walk(node.children, depth + 1)


def as_text(roots: list[SpanNode]) -> str:
    """The tree, one span a line, indented under its parent, with its kind."""
    lines = []
    for depth, node in walk(roots):
        kind = node.span.kind.name.lower()
        lines.append(f"{'  ' * depth}{node.span.name} [{kind}]")
    return "\n".join(lines)


async def subscribe_to_started(client: httpx.AsyncClient, url: str) -> None:
    """A webhook subscriber to EscalationStarted, at `url`."""
    answer = await client.post(
        "/v1/subscriptions",
        json={"url": url, "event_types": ["EscalationStarted"]},
        headers=bearer("admin"),
    )
    assert answer.status_code == 201, answer.text


async def report_in_callers_trace(client: httpx.AsyncClient) -> None:
    """A P1 incident posted as an ITSM platform does from within its own trace."""
    answer = await client.post(
        "/v1/incidents",
        json=incident_body(priority="P1"),
        headers=bearer("intake")
        | {"traceparent": CALLER_TRACEPARENT, "tracestate": CALLER_TRACESTATE},
    )
    assert answer.status_code == 202, answer.text


async def whole_trace(reaching: str) -> SpanNode:
    """The caller's trace as one tree, once it holds a span named `reaching`
    and its work has finished (a span ends after its children: while any
    runs, its children hang apart)."""

    async def one_tree() -> SpanNode | None:
        roots = span_tree(spans_of(CALLER_TRACE_ID))
        if len(roots) != 1 or reaching not in {node.span.name for _, node in walk(roots)}:
            return None
        return roots[0]

    return await eventually(one_tree)
