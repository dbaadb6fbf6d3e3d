"""The trace context (W3C Trace Context) as it crosses each hop: an HTTP
header, a CloudEvent's distributed-tracing extension in either content mode,
a stored event's row (outside its hash), a consumed message, a log line."""

from __future__ import annotations

import io
import json
import logging
import uuid
from dataclasses import replace
from datetime import UTC, datetime

from opentelemetry.trace import SpanKind

from ec_events import Envelope, Message
from ec_events.escalations import ProgressReported
from ec_platform.bus.base import Delivery
from ec_platform.bus.processing import DeliveryProcessor, RetryPolicy
from ec_platform.observability.logs import JsonLogFormatter
from ec_platform.observability.tracing import (
    TraceContext,
    TraceIdsInLogs,
    continued_span,
    current_trace_context,
    trace_context_values,
)
from ec_platform.storage.event_records import Append, NewEvent, chain_hash, new_row
from tests.support.traces import (
    CALLER_SPAN_ID,
    CALLER_TRACE_ID,
    CALLER_TRACEPARENT,
    CALLER_TRACESTATE,
    recorded_spans,
)

AT = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
CALLER = TraceContext(CALLER_TRACEPARENT, CALLER_TRACESTATE)


def trace_id_of(trace_context: TraceContext | None) -> str:
    assert trace_context is not None
    return trace_context.traceparent.split("-")[1]


def an_envelope() -> Envelope:
    event = ProgressReported(
        escalation_id=uuid.uuid4(),
        note="3 of 5 gateways restored",
        reported_by="olivia",
        next_update_due=AT,
    )
    return Envelope.wrap(event, id=uuid.uuid4(), source="/escalation", time=AT)


def test_a_valid_traceparent_header_is_a_trace_context_and_keeps_its_tracestate() -> None:
    found = TraceContext.from_headers(
        {"traceparent": CALLER_TRACEPARENT, "tracestate": CALLER_TRACESTATE}
    )
    assert found == CALLER
    assert found.as_headers() == {
        "traceparent": CALLER_TRACEPARENT,
        "tracestate": CALLER_TRACESTATE,
    }


def test_a_missing_or_malformed_traceparent_is_no_trace_context() -> None:
    assert TraceContext.from_headers({}) is None
    assert TraceContext.from_headers({"traceparent": "not-a-traceparent"}) is None
    all_zero_trace = f"00-{'0' * 32}-{CALLER_SPAN_ID}-01"
    assert TraceContext.from_headers({"traceparent": all_zero_trace}) is None


def test_a_span_continuing_a_context_is_in_its_trace_under_its_span() -> None:
    recorded_spans()
    with continued_span("work", CALLER, kind=SpanKind.CONSUMER) as span:
        inside = current_trace_context()
    assert trace_id_of(inside) == CALLER_TRACE_ID
    assert inside is not None
    assert inside.tracestate == CALLER_TRACESTATE
    assert span.parent is not None
    assert format(span.parent.span_id, "016x") == CALLER_SPAN_ID


def test_outside_any_span_there_is_no_trace_context() -> None:
    assert current_trace_context() is None


def test_a_traced_cloudevent_carries_ce_traceparent_and_ce_tracestate_in_binary_mode() -> None:
    traced = an_envelope().traced(CALLER.as_headers())

    message = traced.to_binary()

    assert message.header("ce_traceparent") == CALLER_TRACEPARENT
    assert message.header("ce_tracestate") == CALLER_TRACESTATE
    assert Envelope.from_binary(message).trace_headers() == CALLER.as_headers()


def test_a_traced_cloudevent_carries_traceparent_as_an_attribute_in_structured_mode() -> None:
    traced = an_envelope().traced({"traceparent": CALLER_TRACEPARENT})

    body = traced.to_structured()

    assert body["traceparent"] == CALLER_TRACEPARENT
    assert "tracestate" not in body
    assert Envelope.from_structured(body).trace_headers() == {"traceparent": CALLER_TRACEPARENT}


def test_tracing_a_cloudevent_again_replaces_its_context_and_keeps_other_extensions() -> None:
    envelope = an_envelope()
    first = envelope.traced(CALLER.as_headers())
    first = replace(first, extensions=first.extensions | {"position": "7"})

    again = first.traced({"traceparent": f"00-{'a' * 32}-{'b' * 16}-01"})

    assert again.extensions == {"position": "7", "traceparent": f"00-{'a' * 32}-{'b' * 16}-01"}


def test_a_stored_events_hash_does_not_cover_its_trace_context() -> None:
    new = NewEvent(
        event_id=uuid.uuid4(),
        type="ProgressReported",
        data={"note": "3 of 5 restored"},
        actor_role="operator",
        actor_name="olivia",
    )
    append = Append("esc-1", 0, [new])

    untraced = new_row(append, 0, new, position=1, recorded_at=AT)
    traced = new_row(append, 0, new, position=1, recorded_at=AT, trace_context=CALLER)

    assert untraced | trace_context_values(CALLER) == traced
    assert chain_hash("", traced) == chain_hash("", untraced)


def test_an_events_own_trace_context_wins_over_the_appending_one() -> None:
    own = TraceContext(f"00-{'c' * 32}-{'d' * 16}-01")
    new = NewEvent(
        event_id=uuid.uuid4(),
        type="ProgressReported",
        data={},
        actor_role="operator",
        actor_name="olivia",
        trace_context=own,
    )

    row = new_row(
        Append("esc-1", 0, [new]), 0, new, position=1, recorded_at=AT, trace_context=CALLER
    )

    assert row["traceparent"] == own.traceparent


async def test_a_consumer_handles_a_message_in_the_trace_its_ce_traceparent_names() -> None:
    recorded_spans()
    seen: list[TraceContext | None] = []

    async def handler(_delivery: Delivery) -> None:
        seen.append(current_trace_context())

    async def publish(_topic: str, _messages: list[Message]) -> None:
        raise AssertionError("nothing is dead-lettered")

    processor = DeliveryProcessor(
        group="notifier", handler=handler, publish=publish, policy=RetryPolicy()
    )
    message = an_envelope().traced(CALLER.as_headers()).to_binary()

    await processor.process(
        Delivery(topic="ec.escalations", partition=0, offset=3, message=message)
    )

    [inside] = seen
    assert trace_id_of(inside) == CALLER_TRACE_ID
    [span] = [
        s
        for s in recorded_spans().get_finished_spans()
        if s.context and format(s.context.span_id, "016x") == inside.traceparent.split("-")[2]
    ]
    assert span.name == "process ec.escalations"
    assert span.attributes is not None
    assert span.attributes["messaging.system"] == "kafka"
    assert span.attributes["messaging.destination.name"] == "ec.escalations"
    assert span.attributes["messaging.operation.type"] == "process"


def test_a_json_log_line_names_the_trace_and_span_it_was_logged_in() -> None:
    recorded_spans()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(TraceIdsInLogs())
    handler.setFormatter(JsonLogFormatter())
    logger = logging.getLogger("tests.trace_context")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with continued_span("work", CALLER) as span:
            logger.warning("delivery %s failed", "d-1")
        logger.warning("outside any trace")
    finally:
        logger.removeHandler(handler)

    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside["message"] == "delivery d-1 failed"
    assert inside["trace_id"] == CALLER_TRACE_ID
    assert inside["span_id"] == format(span.get_span_context().span_id, "016x")
    assert (outside["trace_id"], outside["span_id"]) == ("", "")


def test_a_trace_begun_here_is_propagated_though_nothing_records_it() -> None:
    # given the process's tracer provider, exporting nothing
    recorded_spans()

    # when work begins with no caller's trace
    with continued_span("poll", None) as span:
        inside = current_trace_context()

    # then it has a trace context to hand on, marked not sampled, and no span was recorded
    assert inside is not None
    flags = int(inside.traceparent.split("-")[3], 16)
    assert flags & 1 == 0  # the sampled bit (W3C Trace Context)
    assert not span.is_recording()
