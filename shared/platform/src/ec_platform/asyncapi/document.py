"""The event catalogue: an AsyncAPI 3.0 document of the topics some services
publish and consume, built from the event contracts (`ec_events`) and each
service's `BusUse`. Pure: the same inputs give the same document.

Each topic is a channel with one message per event type (its payload schema is
the pydantic model's, its headers the CloudEvents binary-mode headers, its key
the aggregate id); each consumed topic's `<topic>.dlq` is a channel too. Each
service's publishing, consuming and dead-lettering is an operation, tagged with
the service's name."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ec_events import EVENT_TYPES, TOPIC_OF, Event, TopicName, Topics, dead_letter_topic
from ec_events.registry import UPCASTERS, Upcaster
from ec_platform.asyncapi.headers import (
    CLOUD_EVENT_HEADERS,
    DEAD_LETTER_HEADERS,
    message_headers,
)
from ec_platform.asyncapi.payloads import payload_schemas, versions
from ec_platform.bus.channels import BusUse

ASYNCAPI = "3.0.0"
KAFKA_BINDING = "0.5.0"
DEAD_LETTER = "DeadLetter"
DESCRIPTION = """\
Every event travels as a CloudEvent 1.0 in Kafka's binary content mode: the value
is the JSON payload, the attributes are `ce_*` headers, and the key is the
aggregate id (an escalation's or an incident's), so one aggregate's events stay
in order on one partition. Delivery is at least once: drop a `ce_id` already
handled. Payloads are versioned (`ce_schemaversion`); within a version changes
are additive, so ignore fields and headers you do not know. Each message lists
its schema versions and the upcasters that lift older payloads (`x-upcasters`).
A message a consumer cannot handle goes, unchanged, to `<topic>.dlq` with
`ec_dlq_*` headers saying why."""

Document = dict[str, Any]


def catalogue(
    uses: Sequence[BusUse],
    *,
    topics: Topics,
    title: str,
    version: str,
    upcasters: Mapping[tuple[str, int], Upcaster] = UPCASTERS,
) -> Document:
    """The AsyncAPI document of `uses`' channels, topic names after `topics`' prefix."""
    published = {topic for use in uses for topic in use.publishes}
    consumed = {consumer.topic for use in uses for consumer in use.consumes}
    channels = [topic for topic in TopicName if topic in published | consumed]
    events = [cls for topic in channels for cls in events_on(topic)]
    messages = {cls.event_name(): _message(cls, upcasters) for cls in events}
    schemas = payload_schemas(events)
    schemas["CloudEventHeaders"] = CLOUD_EVENT_HEADERS
    if consumed:
        messages[DEAD_LETTER] = _dead_letter_message()
        schemas["DeadLetterHeaders"] = DEAD_LETTER_HEADERS
    document: Document = {
        "asyncapi": ASYNCAPI,
        "info": {"title": title, "version": version, "description": DESCRIPTION},
        "defaultContentType": "application/json",
        "channels": {},
        "operations": {},
        "components": {"messages": messages, "schemas": schemas},
    }
    for topic in channels:
        document["channels"][topic.value] = _channel(topic, topics)
        if topic in consumed:
            document["channels"][_dlq(topic)] = _dead_letter_channel(topic, topics)
    for use in uses:
        document["operations"].update(_operations(use))
    return document


def events_on(topic: TopicName) -> list[type[Event]]:
    return [cls for name, cls in EVENT_TYPES.items() if TOPIC_OF[name] == topic]


def _dlq(topic: TopicName) -> str:
    return dead_letter_topic(topic.value)


def _channel(topic: TopicName, topics: Topics) -> Document:
    return {
        "address": topics.name(topic),
        "title": f"The {topic.value} topic",
        "messages": {
            cls.event_name(): {"$ref": f"#/components/messages/{cls.event_name()}"}
            for cls in events_on(topic)
        },
    }


def _dead_letter_channel(topic: TopicName, topics: Topics) -> Document:
    return {
        "address": dead_letter_topic(topics.name(topic)),
        "title": f"Dead letters of {topics.name(topic)}",
        "description": "What a consumer of the topic could not handle, as it was read, with "
        "why; `python -m ec_platform.dlq replay` sends one back (README, Runbook).",
        "messages": {DEAD_LETTER: {"$ref": f"#/components/messages/{DEAD_LETTER}"}},
    }


def _message(cls: type[Event], upcasters: Mapping[tuple[str, int], Upcaster]) -> Document:
    name = cls.event_name()
    history = versions(cls, upcasters)
    return {
        "name": name,
        "title": name,
        "summary": f"{name} (schema version {cls.schema_version})",
        "description": _describe(cls, history),
        "contentType": "application/json",
        "headers": message_headers(name),
        "payload": {"$ref": f"#/components/schemas/{name}"},
        "correlationId": {
            "description": "What set off the chain of events it belongs to, where known",
            "location": "$message.header#/ce_correlationid",
        },
        "bindings": {
            "kafka": {
                "key": {
                    "type": "string",
                    "format": "uuid",
                    "description": f"The {_words(cls.subject_field)} (`{cls.subject_field}`, "
                    "also `ce_subject`): its events stay in order on one partition",
                },
                "bindingVersion": KAFKA_BINDING,
            }
        },
        "x-schema-version": cls.schema_version,
        "x-upcasters": history,
    }


def _words(field: str) -> str:
    return field.removesuffix("_id").replace("_", " ") + " id"


def _describe(cls: type[Event], history: list[Document]) -> str:
    what = (cls.__doc__ or "").strip()
    if history:
        steps = "; ".join(f"{s['from']} → {s['to']}: {s['does']}" for s in history)
        older = f"Older versions are published as recorded and lifted on read: {steps}."
    else:
        older = "It has had no other version: every payload ever published has this shape."
    return " ".join(
        part
        for part in (
            what,
            f"The payload is schema version {cls.schema_version} (`ce_schemaversion`).",
            older,
            "New optional fields may appear without a new version.",
        )
        if part
    )


def _dead_letter_message() -> Document:
    return {
        "name": DEAD_LETTER,
        "title": "Dead letter",
        "summary": "A message no consumer could handle, unchanged, with why in `ec_dlq_*`",
        "description": "The key, value and headers are the original message's (usually a "
        "CloudEvent of the topic, but a poison message may be unreadable: that is why it is "
        "here); the `ec_dlq_*` headers are added.",
        "headers": {"$ref": "#/components/schemas/DeadLetterHeaders"},
        "payload": {"description": "The original value, byte for byte"},
    }


def _operations(use: BusUse) -> dict[str, Document]:
    operations: dict[str, Document] = {}
    tags = [{"name": use.service}]
    for topic in use.publishes:
        operations[f"{use.service}.send.{topic.value}"] = {
            "action": "send",
            "title": f"{use.service} publishes {topic.value}",
            "summary": "From the service's own event log, by its relay (at least once)",
            "channel": {"$ref": f"#/channels/{topic.value}"},
            "messages": _channel_messages(topic.value, events_on(topic)),
            "tags": tags,
        }
    for consumer in use.consumes:
        topic = consumer.topic
        operations[f"{use.service}.receive.{topic.value}"] = {
            "action": "receive",
            "title": f"{use.service} consumes {topic.value}",
            "summary": f"Consumer group `{consumer.group}`; offsets committed after the effect",
            "channel": {"$ref": f"#/channels/{topic.value}"},
            "messages": _channel_messages(topic.value, events_on(topic)),
            "bindings": {
                "kafka": {
                    "groupId": {"type": "string", "enum": [consumer.group]},
                    "bindingVersion": KAFKA_BINDING,
                }
            },
            "tags": tags,
        }
        operations[f"{use.service}.send.{_dlq(topic)}"] = {
            "action": "send",
            "title": f"{use.service} dead-letters what it cannot handle from {topic.value}",
            "channel": {"$ref": f"#/channels/{_dlq(topic)}"},
            "messages": [{"$ref": f"#/channels/{_dlq(topic)}/messages/{DEAD_LETTER}"}],
            "tags": tags,
        }
    return operations


def _channel_messages(channel: str, events: Sequence[type[Event]]) -> list[Document]:
    return [{"$ref": f"#/channels/{channel}/messages/{cls.event_name()}"} for cls in events]
