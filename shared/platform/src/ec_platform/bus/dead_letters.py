"""Dead letters: a message a consumer could not handle, as published to
`<topic>.dlq` with why and whence in `ec_dlq_*` headers, and the way back to
its own topic (`python -m ec_platform.dlq replay`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from ec_events import Message, dead_letter_topic
from ec_platform.bus.base import Delivery

PREFIX = "ec_dlq_"
# Where a replayed message came from (`<dlq topic>:<partition>@<offset>`), for
# whoever reads the topic later; consumers ignore headers they do not know.
REPLAYED_FROM = "ec_replayed_from"
# The headers a dead letter gains (after PREFIX), and what each tells: the
# event catalogue (/asyncapi.json) documents them from here.
HEADERS = {
    "reason": "why it could not be handled: `poison: …` (unreadable or invalid, at once) "
    "or `failed N times: …` (the handler kept failing); at most 2000 characters",
    "topic": "the topic it was read from, where a replay sends it back",
    "partition": "the partition it was read from (a number)",
    "offset": "its offset there (a number)",
    "group": "the consumer group that could not handle it",
    "at": "when it was dead-lettered (ISO 8601, UTC)",
}


class NotADeadLetter(ValueError):
    """The message lacks the headers of a dead letter, or names another topic."""


def dead_letter(delivery: Delivery, *, group: str, reason: str) -> Message:
    """The message as it goes to `<topic>.dlq`: unchanged, with the reason and
    where it was read added as headers."""
    extra = {
        "reason": reason[:2000],
        "topic": delivery.topic,
        "partition": str(delivery.partition),
        "offset": str(delivery.offset),
        "group": group,
        "at": datetime.now(UTC).isoformat(),
    }
    original = delivery.message
    return Message(
        key=original.key,
        value=original.value,
        headers=original.headers + tuple((PREFIX + k, v.encode()) for k, v in extra.items()),
    )


@dataclass(frozen=True)
class DeadLetter:
    """A dead letter read back: where it was first read, by whom, why it failed,
    and the message as it was then."""

    topic: str
    partition: int
    offset: int
    group: str
    reason: str
    at: str
    original: Message

    @classmethod
    def read(cls, message: Message, *, dlq_topic: str) -> DeadLetter:
        topic = message.header(f"{PREFIX}topic")
        if topic is None:
            raise NotADeadLetter(f"no {PREFIX}topic header: not a dead letter")
        if dead_letter_topic(topic) != dlq_topic:
            raise NotADeadLetter(f"it names the topic {topic!r}, whose dead letters are not here")
        try:
            partition = int(message.header(f"{PREFIX}partition") or "")
            offset = int(message.header(f"{PREFIX}offset") or "")
        except ValueError:
            raise NotADeadLetter(f"{PREFIX}partition or {PREFIX}offset is not a number") from None
        return cls(
            topic=topic,
            partition=partition,
            offset=offset,
            group=message.header(f"{PREFIX}group") or "",
            reason=message.header(f"{PREFIX}reason") or "",
            at=message.header(f"{PREFIX}at") or "",
            original=Message(
                key=message.key,
                value=message.value,
                headers=tuple((k, v) for k, v in message.headers if not k.startswith(PREFIX)),
            ),
        )

    def replay(self, *, replayed_from: str) -> Message:
        """The message to publish to its own topic again: the original, its
        key, value and CloudEvent headers (so `ce_id` still identifies it and a
        consumer that did handle it meanwhile drops it), marked as replayed."""
        headers = tuple((k, v) for k, v in self.original.headers if k != REPLAYED_FROM)
        return Message(
            key=self.original.key,
            value=self.original.value,
            headers=(*headers, (REPLAYED_FROM, replayed_from.encode())),
        )
