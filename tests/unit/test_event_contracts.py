"""The event contracts: golden examples, CloudEvents in both content modes, upcasting."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ec_events import EVENT_TYPES, TOPIC_OF, Envelope, InvalidEnvelope, Message, TopicName, registry
from ec_events.escalations import RecordLinked

GOLDEN = Path(__file__).parents[1] / "golden" / "events"


def golden(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((GOLDEN / f"{name}.json").read_text())
    return loaded


def test_every_event_in_the_contract_has_a_golden_example_and_a_topic() -> None:
    examples = {path.stem for path in GOLDEN.glob("*.json")}
    assert examples == set(EVENT_TYPES)
    assert {name for name, topic in TOPIC_OF.items() if topic is TopicName.ESCALATIONS} >= {
        "EscalationStarted",
        "MonitoringPassed",
        "DeadlineMissed",
    }
    assert len(EVENT_TYPES) == 3 + 17 + 6 + 4


@pytest.mark.parametrize("name", sorted(EVENT_TYPES))
def test_golden_example_round_trips_through_its_model(name: str) -> None:
    # given a golden payload
    payload = golden(name)
    # when it is read and written again
    event = EVENT_TYPES[name].model_validate(payload)
    # then nothing is lost or changed
    assert event.model_dump(mode="json") == payload
    assert event.schema_version >= 1


@pytest.mark.parametrize("name", sorted(EVENT_TYPES))
def test_golden_example_round_trips_as_a_binary_cloudevent(name: str) -> None:
    event = EVENT_TYPES[name].model_validate(golden(name))
    envelope = Envelope.wrap(event, id="1b4e28ba-2fa1-41d2-883f-0016d3cca427", source="/test")

    message = envelope.to_binary()
    headers = dict(message.headers)

    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_id"] == b"1b4e28ba-2fa1-41d2-883f-0016d3cca427"
    assert headers["ce_type"].decode().endswith(name)
    assert headers["ce_subject"].decode() == event.subject
    assert headers["content-type"] == b"application/json"
    assert {"ce_source", "ce_time"} <= set(headers)
    assert message.key == event.subject.encode()
    assert json.loads(message.value) == golden(name)
    assert Envelope.from_binary(message).event() == event


def test_structured_mode_carries_the_same_event() -> None:
    event = EVENT_TYPES["RecordLinked"].model_validate(golden("RecordLinked"))
    envelope = Envelope.wrap(event, id="e-1", source="/test", correlation_id="c-1")

    body = json.loads(json.dumps(envelope.to_structured()))

    assert body["specversion"] == "1.0"
    assert body["data"] == golden("RecordLinked")
    assert Envelope.from_structured(body).event() == event
    assert Envelope.from_structured(body).correlation_id == "c-1"


def test_consumers_ignore_fields_added_by_newer_producers() -> None:
    payload = {**golden("ProgressReported"), "mood": "hopeful"}
    event = EVENT_TYPES["ProgressReported"].model_validate(payload)
    assert "mood" not in event.model_dump()


def test_old_schema_versions_are_upcast_on_read(monkeypatch: pytest.MonkeyPatch) -> None:
    # given RecordLinked at schema version 2, whose version 1 called `ref` `reference`
    monkeypatch.setattr(RecordLinked, "schema_version", 2)

    def rename(data: dict[str, Any]) -> dict[str, Any]:
        return {**{k: v for k, v in data.items() if k != "reference"}, "ref": data["reference"]}

    monkeypatch.setitem(registry.UPCASTERS, ("RecordLinked", 1), rename)
    old = {
        "escalation_id": golden("RecordLinked")["escalation_id"],
        "kind": "change",
        "reference": "CHG1",
    }

    # when a stored version-1 payload is read
    event = registry.parse_event("RecordLinked", old, 1)

    # then it is today's model
    assert isinstance(event, RecordLinked)
    assert event.ref == "CHG1"


def test_a_missing_upcaster_is_an_error_not_a_silent_misread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(RecordLinked, "schema_version", 3)
    with pytest.raises(ValueError, match="no upcaster"):
        registry.parse_event("RecordLinked", golden("RecordLinked"), 1)


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (Message(key=b"k", value=b"{}", headers=()), "specversion"),
        (Message(key=b"k", value=b"not json", headers=(("ce_specversion", b"1.0"),)), "JSON"),
        (
            Message(key=b"k", value=b"{}", headers=(("ce_specversion", b"1.0"), ("ce_id", b"x"))),
            "missing",
        ),
    ],
)
def test_messages_that_are_not_cloudevents_are_refused(message: Message, reason: str) -> None:
    with pytest.raises(InvalidEnvelope, match=reason):
        Envelope.from_binary(message)


def test_stored_json_text_reads_as_the_same_event_old_versions_included(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    current = golden("RecordLinked")
    assert registry.parse_event_json("RecordLinked", json.dumps(current), 1) == (
        RecordLinked.model_validate(current)
    )

    monkeypatch.setattr(RecordLinked, "schema_version", 2)
    monkeypatch.setitem(
        registry.UPCASTERS, ("RecordLinked", 1), lambda data: {**data, "ref": "lifted"}
    )
    lifted = registry.parse_event_json("RecordLinked", json.dumps(current), 1)
    assert isinstance(lifted, RecordLinked)
    assert lifted.ref == "lifted"
