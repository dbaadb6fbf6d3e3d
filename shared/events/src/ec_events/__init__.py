"""Escalation Center event contracts, shared by every service."""

from ec_events.base import Event
from ec_events.cloudevents import Envelope, InvalidEnvelope, Message
from ec_events.registry import EVENT_TYPES, TOPIC_OF, UnknownEventType, parse_event
from ec_events.topics import TopicName, Topics, dead_letter_topic

__all__ = [
    "EVENT_TYPES",
    "TOPIC_OF",
    "Envelope",
    "Event",
    "InvalidEnvelope",
    "Message",
    "TopicName",
    "Topics",
    "UnknownEventType",
    "dead_letter_topic",
    "parse_event",
]
