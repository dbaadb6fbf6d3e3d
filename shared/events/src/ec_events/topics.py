"""Topic names: a configurable prefix before each fixed name."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

DEFAULT_PREFIX = "ec."
DEAD_LETTER_SUFFIX = ".dlq"


class TopicName(StrEnum):
    INCIDENTS = "incidents"
    ESCALATIONS = "escalations"
    MONITOR = "monitor"


@dataclass(frozen=True)
class Topics:
    prefix: str = DEFAULT_PREFIX

    def name(self, topic: TopicName) -> str:
        return f"{self.prefix}{topic.value}"

    @property
    def incidents(self) -> str:
        return self.name(TopicName.INCIDENTS)

    @property
    def escalations(self) -> str:
        return self.name(TopicName.ESCALATIONS)

    @property
    def monitor(self) -> str:
        return self.name(TopicName.MONITOR)

    def all(self) -> tuple[str, ...]:
        return tuple(self.name(topic) for topic in TopicName)

    def with_dead_letters(self) -> tuple[str, ...]:
        return self.all() + tuple(dead_letter_topic(topic) for topic in self.all())


def dead_letter_topic(topic: str) -> str:
    return f"{topic}{DEAD_LETTER_SUFFIX}"
