"""The event catalogue (AsyncAPI 3.0): valid against the specification's own
schema, complete (every event of the contract, every topic a service opens,
the dead-letter topics), and true to the messages as they are written."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

import pytest

from ec_embedded.asyncapi import SERVICES, full_catalogue
from ec_events import EVENT_TYPES, TOPIC_OF, Envelope, Message, TopicName, Topics
from ec_events.escalations import EscalationEvent
from ec_events.registry import Payload
from ec_intake.service import BUS_USE as INTAKE
from ec_notifier.service import BUS_USE as NOTIFIER
from ec_platform.asyncapi.document import catalogue
from ec_platform.asyncapi.payloads import versions
from ec_platform.bus.base import Delivery
from ec_platform.bus.channels import BusUse, Consumer, UndeclaredChannel
from ec_platform.bus.dead_letters import dead_letter
from ec_platform.settings import PlatformSettings
from ec_platform.storage.event_records import POSITION, STREAM_VERSION
from tests.support.catalogue import (
    channel_at,
    messages_of,
    record_problems,
    refs_in,
    resolve,
    spec_errors,
)

GOLDEN = Path(__file__).parents[1] / "golden" / "events"
EVENT_ID = "1b4e28ba-2fa1-41d2-883f-0016d3cca427"


def full(prefix: str = "ec.") -> dict[str, Any]:
    return full_catalogue(PlatformSettings(topic_prefix=prefix))


def golden_message(name: str) -> Message:
    """A golden event as a relay publishes it: with correlation, causation
    and its place in the stream and the log."""
    event = EVENT_TYPES[name].model_validate(json.loads((GOLDEN / f"{name}.json").read_text()))
    envelope = Envelope.wrap(
        event, id=EVENT_ID, source="/test", correlation_id="c-1", causation_id="c-2"
    )
    placed = replace(envelope, extensions={STREAM_VERSION: "3", POSITION: "65536"})
    return placed.to_binary()


def test_the_whole_catalogue_is_valid_against_the_asyncapi_3_schema() -> None:
    assert spec_errors(full()) == []


def test_the_asyncapi_schema_refuses_a_catalogue_with_a_wrong_action() -> None:
    # given a catalogue with the AsyncAPI 2 verb where 3.0 says send
    document = full()
    document["operations"]["intake.send.incidents"]["action"] = "publish"
    # then the check that passes the real one fails it
    assert spec_errors(document) != []


def test_every_reference_in_the_catalogue_leads_somewhere() -> None:
    document = full()
    for ref in refs_in(document):
        assert resolve(document, ref) is not None, ref


def test_every_event_of_the_contract_is_a_message_on_its_topic() -> None:
    document = full()
    for name, topic in TOPIC_OF.items():
        channel = channel_at(document, f"ec.{topic.value}")
        assert name in messages_of(document, channel), name
    assert set(document["components"]["messages"]) == {*EVENT_TYPES, "DeadLetter"}


def test_topic_names_follow_the_prefix_and_each_consumed_topic_has_its_dead_letters() -> None:
    document = full(prefix="acme-")
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == {f"acme-{t}{dlq}" for t in TopicName for dlq in ("", ".dlq")}


@pytest.mark.parametrize("name", sorted(EVENT_TYPES))
def test_each_event_as_published_is_what_the_catalogue_says(name: str) -> None:
    # given the golden event as a relay writes it to Kafka
    message = golden_message(name)
    # then its type is listed on its topic, and its headers, key and payload fit
    address = f"ec.{TOPIC_OF[name].value}"
    headers = {k: v.decode() for k, v in message.headers}
    assert record_problems(full(), address, message.key, message.value, headers) == []


def test_a_dead_letter_is_what_the_catalogue_says() -> None:
    # given an event that a consumer gave up on
    delivery = Delivery("ec.escalations", 1, 41, golden_message("EscalationClosed"))
    letter = dead_letter(delivery, group="notifier", reason="failed 5 times: KeyError")
    headers = {k: v.decode() for k, v in letter.headers}
    # then its ec_dlq_* headers are documented and present
    problems = record_problems(full(), "ec.escalations.dlq", letter.key, letter.value, headers)
    assert problems == []
    assert record_problems(full(), "ec.escalations.dlq", b"k", b"x", {"ce_id": "1"}) != []


def test_a_payload_that_breaks_its_schema_is_caught() -> None:
    message = golden_message("EscalationLevelRaised")
    headers = {k: v.decode() for k, v in message.headers}
    broken = json.dumps({**json.loads(message.value), "to_level": "two"}).encode()
    problems = record_problems(full(), "ec.escalations", message.key, broken, headers)
    assert any("payload" in problem for problem in problems)


def test_an_event_on_another_topic_and_an_unknown_header_are_caught() -> None:
    message = golden_message("IncidentReported")
    headers = {k: v.decode() for k, v in message.headers}
    assert record_problems(full(), "ec.monitor", message.key, message.value, headers) != []
    odd = {**headers, "x-mine": "1"}
    assert record_problems(full(), "ec.incidents", message.key, message.value, odd) != []


def test_a_service_s_catalogue_holds_its_own_channels_and_operations_only() -> None:
    # when the notifier's catalogue is built
    document = catalogue([NOTIFIER], topics=Topics("ec."), title="t", version="1")
    # then it shows the topic it consumes and the dead letters it writes
    assert {c["address"] for c in document["channels"].values()} == {
        "ec.escalations",
        "ec.escalations.dlq",
    }
    receive = document["operations"]["notifier.receive.escalations"]
    assert receive["action"] == "receive"
    assert receive["bindings"]["kafka"]["groupId"]["enum"] == ["notifier"]
    assert {op["tags"][0]["name"] for op in document["operations"].values()} == {"notifier"}
    assert spec_errors(document) == []


def test_a_publisher_only_catalogue_has_no_dead_letter_channel() -> None:
    document = catalogue([INTAKE], topics=Topics("ec."), title="t", version="1")
    assert list(document["channels"]) == ["incidents"]
    assert "DeadLetter" not in document["components"]["messages"]


def test_the_catalogue_covers_every_service_the_embedded_mode_runs() -> None:
    served = {service.bus_use.service for service in SERVICES}
    tagged = {op["tags"][0]["name"] for op in full()["operations"].values()}
    assert served == tagged == {"intake", "escalation", "notifier", "monitor"}


class Reviewed(EscalationEvent):
    """A contract in its third version."""

    schema_version: ClassVar[int] = 3


def rename_findings(data: Payload) -> Payload:
    """`notes` became `findings`."""
    return {**data, "findings": data.get("notes")}


def test_each_schema_version_step_is_listed_with_its_upcaster() -> None:
    # given an event at version 3 with an upcaster from 1 but none from 2
    upcasters = {("Reviewed", 1): rename_findings}
    # when its history is listed
    steps = versions(Reviewed, upcasters)
    # then each step says what lifts it, or that nothing does
    assert steps[0] == {
        "from": 1,
        "to": 2,
        "does": "`notes` became `findings`.",
        "by": f"{__name__}.rename_findings",
    }
    assert (steps[1]["from"], steps[1]["to"], steps[1]["by"]) == (2, 3, None)


def test_today_s_events_say_they_have_had_one_version() -> None:
    message = full()["components"]["messages"]["EscalationStarted"]
    assert (message["x-schema-version"], message["x-upcasters"]) == (1, [])
    assert "schema version 1" in message["description"]


def test_a_service_may_open_only_the_topics_it_declares() -> None:
    uses = BusUse(service="notifier", consumes=(Consumer("notifier", TopicName.ESCALATIONS),))
    with pytest.raises(UndeclaredChannel):
        uses.check_publishes(TopicName.ESCALATIONS)
    with pytest.raises(UndeclaredChannel):
        uses.check_consumes(Consumer("notifier", TopicName.MONITOR))
