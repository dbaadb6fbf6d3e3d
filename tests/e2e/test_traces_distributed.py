"""One trace across the four service processes on real Kafka and PostgreSQL:
an ITSM platform's `traceparent` is continued by the intake, carried on Kafka
as `ce_traceparent`, continued by the escalation service, the notifier (whose
webhook request carries it on) and the monitor (whose timer fires in it); the
processes export their spans over OTLP/HTTP to a receiver in the test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from harness.factories import bearer, incident_body
from harness.notifier import QUICK_ENV
from harness.notifier_receivers import HttpReceiver, receivers
from harness.processes import ServiceProcess, running_processes
from harness.waiting import eventually, polled
from tests.e2e.conftest import SERVICES, cluster_env
from tests.support.kafka_reader import headers_of, read_until
from tests.support.otlp_receiver import OtlpReceiver, ReceivedSpan
from tests.support.traces import CALLER_SPAN_ID, CALLER_TRACE_ID, CALLER_TRACEPARENT

pytestmark = pytest.mark.e2e


@pytest.fixture
def collector() -> Iterator[OtlpReceiver]:
    receiver = OtlpReceiver()
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()


@pytest.fixture
def webhook() -> Iterator[HttpReceiver]:
    with receivers("ok") as (_smtp, [http]):
        yield http


@pytest.fixture
async def traced_cluster(
    postgres_url: str,
    kafka_servers: str,
    topic_prefix: str,
    tmp_path: Path,
    collector: OtlpReceiver,
) -> AsyncIterator[dict[str, ServiceProcess]]:
    env = cluster_env(postgres_url, kafka_servers, topic_prefix) | QUICK_ENV
    env |= {
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
        "OTEL_BSP_SCHEDULE_DELAY": "100",  # milliseconds: spans leave soon after they end
        # Level 1 climbs after 2 s without progress: the monitor's timer fires in the test.
        "EC_RAISE_AFTER": '["PT2S", "PT1H"]',
    }
    services = {name: ServiceProcess(f"ec_{name}", env=env, log_dir=tmp_path) for name in SERVICES}
    async with running_processes(services):
        yield services


async def test_one_trace_crosses_the_four_processes_and_kafka(
    traced_cluster: dict[str, ServiceProcess],
    collector: OtlpReceiver,
    webhook: HttpReceiver,
    kafka_servers: str,
    topic_prefix: str,
) -> None:
    intake, notifier = traced_cluster["intake"], traced_cluster["notifier"]
    async with httpx.AsyncClient(timeout=30) as client:
        # given a webhook subscriber to EscalationStarted
        subscribed = await client.post(
            f"{notifier.url}/v1/subscriptions",
            json={"url": f"{webhook.url}/hooks", "event_types": ["EscalationStarted"]},
            headers=bearer("admin"),
        )
        assert subscribed.status_code == 201, subscribed.text

        # when an ITSM platform reports a P1 incident from within its own trace
        posted = await client.post(
            f"{intake.url}/v1/incidents",
            json=incident_body(priority="P1"),
            headers=bearer("intake") | {"traceparent": CALLER_TRACEPARENT},
        )
    assert posted.status_code == 202, posted.text
    incident_id = posted.json()["id"]

    # then the CloudEvents on Kafka carry the caller's trace as ce_traceparent
    def trace_of(traceparent: str) -> str:
        return traceparent.split("-")[1]

    reported = await read_until(
        kafka_servers,
        f"{topic_prefix}incidents",
        lambda records: any(r.key == incident_id.encode() for r in records),
    )
    [incident_record] = [r for r in reported if r.key == incident_id.encode()]
    assert trace_of(headers_of(incident_record)["ce_traceparent"]) == CALLER_TRACE_ID

    started = await read_until(
        kafka_servers,
        f"{topic_prefix}escalations",
        lambda records: any(
            headers_of(r)["ce_type"].endswith("EscalationStarted") for r in records
        ),
    )
    [started_record] = [
        r for r in started if headers_of(r)["ce_type"].endswith("EscalationStarted")
    ]
    assert trace_of(headers_of(started_record)["ce_traceparent"]) == CALLER_TRACE_ID

    # and the webhook receiver's request carries it too
    [delivered] = await eventually(polled(lambda: webhook.accepted("/hooks")))
    assert trace_of(delivered.headers["traceparent"]) == CALLER_TRACE_ID

    # and every process exported its part of that one trace, the timer's firing included
    async def whole() -> list[ReceivedSpan] | None:
        spans = collector.spans_of(CALLER_TRACE_ID)
        fired = any(s.service == "ec-monitor" and s.name == "fire auto_raise" for s in spans)
        raised = any(
            s.service == "ec-escalation"
            and s.name.startswith("process")
            and s.name.endswith("monitor")
            for s in spans
        )
        return spans if fired and raised else None

    spans = await eventually(whole)
    assert {s.service for s in spans} == {f"ec-{name}" for name in SERVICES}
    [root] = [s for s in spans if s.parent_span_id == CALLER_SPAN_ID]
    assert (root.service, root.name) == ("ec-intake", "POST /v1/incidents")
    by_service = {(s.service, s.name) for s in spans}
    assert {
        ("ec-intake", f"send {topic_prefix}incidents"),
        ("ec-escalation", f"process {topic_prefix}incidents"),
        ("ec-escalation", f"send {topic_prefix}escalations"),
        ("ec-notifier", f"process {topic_prefix}escalations"),
        ("ec-notifier", "deliver subscription"),
        ("ec-monitor", f"process {topic_prefix}escalations"),
        ("ec-monitor", f"send {topic_prefix}monitor"),
    } <= by_service, sorted(by_service)
