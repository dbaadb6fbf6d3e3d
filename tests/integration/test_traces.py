"""One trace from an ITSM platform's request to the deliveries and timers it
causes, in the embedded mode (one process, the in-process bus, SQLite): the
caller's `traceparent` is continued through the intake's log, the bus, the
escalation decision, the event store, the notifier's delivery (whose webhook
request carries it on) and the monitor's timer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.apps import app_on
from harness.notifier import QUICK_ENV
from harness.notifier_receivers import HttpReceiver, receivers
from harness.waiting import eventually, polled
from tests.support.traces import (
    CALLER_SPAN_ID,
    CALLER_TRACE_ID,
    CALLER_TRACESTATE,
    recorded_spans,
    report_in_callers_trace,
    spans_of,
    subscribe_to_started,
    whole_trace,
)


@pytest.fixture
def webhook() -> Iterator[HttpReceiver]:
    with receivers("ok") as (_smtp, [http]):
        yield http


@pytest.fixture
async def client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    recorded_spans().clear()  # this trace's spans only (other tests use its ids too)
    # Level 1 climbs after 2 s without progress: the monitor's timer fires in the test.
    async with app_on(
        "sqlite", tmp_path, monkeypatch, EC_RAISE_AFTER='["PT2S", "PT1H"]', **QUICK_ENV
    ) as client:
        yield client


def names(spans: list[Any]) -> set[str]:
    return {span.name for span in spans}


async def test_an_incidents_post_its_escalation_delivery_and_timer_are_one_trace(
    client: httpx.AsyncClient, webhook: HttpReceiver
) -> None:
    # given a webhook subscriber to EscalationStarted
    await subscribe_to_started(client, f"{webhook.url}/hooks/escalations")

    # when an ITSM platform reports a P1 incident from within its own trace
    await report_in_callers_trace(client)

    # then the subscriber's request continues that trace
    [delivered] = await eventually(polled(lambda: webhook.accepted("/hooks/escalations")))
    assert delivered.headers["traceparent"].split("-")[1] == CALLER_TRACE_ID
    assert delivered.headers["tracestate"] == CALLER_TRACESTATE
    assert delivered.json()["traceparent"].split("-")[1] == CALLER_TRACE_ID

    # and the monitor's timer fires in it, raising the level in it too
    async def raised() -> set[str] | None:
        found = names(spans_of(CALLER_TRACE_ID))
        return found if "process ec.monitor" in found else None

    found = await eventually(raised)
    assert {
        "POST /v1/incidents",
        "record incidents",
        "append events",
        "send ec.incidents",
        "process ec.incidents",
        "send ec.escalations",
        "process ec.escalations",
        "deliver subscription",
        "fire auto_raise",
        "send ec.monitor",
        "process ec.monitor",
    } <= found, "; ".join(sorted(found))

    # and every span of it hangs under the caller's span, in one tree
    root = await whole_trace(reaching="process ec.monitor")
    assert root.span.name == "POST /v1/incidents"
    assert root.span.parent is not None
    assert format(root.span.parent.span_id, "016x") == CALLER_SPAN_ID
