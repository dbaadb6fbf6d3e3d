"""The event catalogue against the events really published: the four service
processes on real Kafka walk an escalation's whole lifecycle (incidents,
escalation events, the monitor's timers), a poison incident is dead-lettered,
and every record on every topic is then checked against the /asyncapi.json of
the services: its type listed on its channel, its headers documented and as
described, its key and payload valid against their schemas."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka.structs import ConsumerRecord

from ec_events import Message
from ec_events.cloudevents import TYPE_PREFIX
from ec_platform.dlq import publish
from harness.factories import bearer
from tests.support.catalogue import channel_at, record_problems, spec_errors
from tests.support.kafka_reader import headers_of, read_until
from tests.support.lifecycle import Services, run_whole_lifecycle

pytestmark = pytest.mark.e2e

POISON_ID = "poison-for-the-catalogue-test"
# Which service's catalogue shows each channel: whoever writes to it.
WRITERS = {
    "incidents": "intake",
    "escalations": "escalation",
    "monitor": "monitor",
    "incidents.dlq": "escalation",
}


def poison() -> Message:
    """An IncidentReported whose payload no consumer can read."""
    headers = {
        "ce_specversion": "1.0",
        "ce_id": POISON_ID,
        "ce_type": f"{TYPE_PREFIX}IncidentReported",
        "ce_source": "/test",
        "ce_time": datetime.now(UTC).isoformat(),
        "content-type": "application/json",
    }
    return Message(
        key=b"not-an-id",
        value=b'{"incident_id": "not-a-uuid"}',
        headers=tuple((name, value.encode()) for name, value in headers.items()),
    )


async def served_catalogues(services: Services) -> dict[str, Any]:
    catalogues = {}
    for name in ("intake", "escalation", "notifier", "monitor"):
        answer = await getattr(services, name).get("/asyncapi.json")  # no token needed
        assert answer.status_code == 200, (name, answer.text)
        catalogues[name] = answer.json()
    return catalogues


async def test_every_record_on_every_topic_is_as_the_catalogues_say(
    services: Services, kafka_servers: str, topic_prefix: str
) -> None:
    # given a whole lifecycle and a poison incident, on real Kafka
    life = await run_whole_lifecycle(services)
    await publish(kafka_servers, f"{topic_prefix}incidents", [poison()])
    history = (
        await services.escalation.get(
            "/v1/events", params={"limit": 10_000}, headers=bearer("auditor")
        )
    ).json()["items"]
    stored_ids = {event["id"] for event in history}

    # when every topic is read as a subscriber reads it
    records: dict[str, list[ConsumerRecord[bytes, bytes]]] = {
        "incidents": await read_until(
            kafka_servers,
            f"{topic_prefix}incidents",
            lambda rs: any(headers_of(r)["ce_id"] == POISON_ID for r in rs),
        ),
        "escalations": await read_until(
            kafka_servers,
            f"{topic_prefix}escalations",
            lambda rs: stored_ids <= {headers_of(r)["ce_id"] for r in rs},
        ),
        "monitor": await read_until(kafka_servers, f"{topic_prefix}monitor", bool),
        "incidents.dlq": await read_until(kafka_servers, f"{topic_prefix}incidents.dlq", bool),
    }

    # then each service's catalogue is valid and shows its own channels
    catalogues = await served_catalogues(services)
    for name, document in catalogues.items():
        assert spec_errors(document) == [], name
        assert {op["tags"][0]["name"] for op in document["operations"].values()} == {name}
    # and every record the services wrote is a message of its channel, as described
    checked: dict[str, set[str]] = {}
    for channel, found in records.items():
        document = catalogues[WRITERS[channel]]
        address = f"{topic_prefix}{channel}"
        channel_at(document, address)
        for record in found:
            headers = headers_of(record)
            if channel == "incidents" and headers["ce_id"] == POISON_ID:
                continue  # the test's own, not the services'
            problems = record_problems(document, address, record.key, record.value, headers)
            assert problems == [], problems
            checked.setdefault(channel, set()).add(headers["ce_type"])
    assert f"{TYPE_PREFIX}IncidentReported" in checked["incidents"]
    assert f"{TYPE_PREFIX}MonitoringPeriodElapsed" in checked["monitor"]
    assert len(checked["escalations"]) >= 10
    letter = headers_of(records["incidents.dlq"][0])
    assert (letter["ce_id"], letter["ec_dlq_group"]) == (POISON_ID, "escalation.incidents")
    assert life.escalation_id
