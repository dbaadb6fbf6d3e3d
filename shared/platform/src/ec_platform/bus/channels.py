"""What a service publishes and consumes, declared once beside its wiring: the
wiring opens only what is declared here, and the event catalogue
(`ec_platform.asyncapi.document`) describes exactly this."""

from __future__ import annotations

from dataclasses import dataclass

from ec_events import TopicName


class UndeclaredChannel(RuntimeError):
    """A service opened a topic its `BusUse` does not name: the catalogue would
    not show it, so the wiring refuses it."""


@dataclass(frozen=True)
class Consumer:
    """A consumer group and the topic it reads (failures go to the topic's `.dlq`)."""

    group: str
    topic: TopicName


@dataclass(frozen=True)
class BusUse:
    service: str
    publishes: tuple[TopicName, ...] = ()
    consumes: tuple[Consumer, ...] = ()

    def check_publishes(self, topic: TopicName) -> None:
        if topic not in self.publishes:
            raise UndeclaredChannel(f"{self.service} does not declare that it publishes {topic}")

    def check_consumes(self, consumer: Consumer) -> None:
        if consumer not in self.consumes:
            raise UndeclaredChannel(f"{self.service} does not declare the consumer {consumer}")
