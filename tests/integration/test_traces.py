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

from tests.support.apps import app_on
from tests.support.factories import bearer, incident_body
from tests.support.notifier import QUICK_ENV
from tests.support.notifier_receivers import HttpReceiver, receivers
from tests.support.traces import (
    CALLER_SPAN_ID,
    CALLER_TRACE_ID,
    CALLER_TRACEPARENT,
    CALLER_TRACESTATE,
    SpanNode,
    recorded_spans,
    span_tree,
    spans_of,
)
from tests.support.waiting import eventually, polled


@pytest.fixture
def webhook() -> Iterator[HttpReceiver]:
    with receivers("ok") as (_smtp, [http]):
        yield http


@pytest.fixture
async def client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    recorded_spans()
    # Level 1 climbs after 2 s without progress: the monitor's timer fires in the test.
    async with app_on(
        "sqlite", tmp_path, monkeypatch, EC_RAISE_AFTER='["PT2S", "PT1H"]', **QUICK_ENV
    ) as client:
        yield client


async def subscribe(client: httpx.AsyncClient, url: str) -> None:
    answer = await client.post(
        "/v1/subscriptions",
        json={"url": url, "event_types": ["EscalationStarted"]},
        headers=bearer("admin"),
    )
    assert answer.status_code == 201, answer.text


def names(spans: list[Any]) -> set[str]:
    return {span.name for span in spans}


async def test_an_incidents_post_its_escalation_delivery_and_timer_are_one_trace(
    client: httpx.AsyncClient, webhook: HttpReceiver
) -> None:
    # given a webhook subscriber to EscalationStarted
    await subscribe(client, f"{webhook.url}/hooks/escalations")

    # when an ITSM platform reports a P1 incident from within its own trace
    answer = await client.post(
        "/v1/incidents",
        json=incident_body(priority="P1"),
        headers=bearer("intake")
        | {"traceparent": CALLER_TRACEPARENT, "tracestate": CALLER_TRACESTATE},
    )
    assert answer.status_code == 202, answer.text

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

    # and every span of it hangs under the caller's span, in one tree (once
    # the work in flight has finished: a span ends after its children)
    async def one_tree() -> list[SpanNode] | None:
        roots = span_tree(spans_of(CALLER_TRACE_ID))
        return roots if len(roots) == 1 else None

    [root] = await eventually(one_tree)
    assert root.span.name == "POST /v1/incidents"
    assert root.span.parent is not None
    assert format(root.span.parent.span_id, "016x") == CALLER_SPAN_ID
