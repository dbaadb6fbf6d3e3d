"""What every bus adapter offers, and what a consumer's handler receives."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from pydantic import ValidationError

from ec_events import Envelope, Event, InvalidEnvelope, Message, UnknownEventType


class PoisonMessage(Exception):
    """The message can never be handled (undecodable, invalid): dead-letter it now."""


@dataclass(frozen=True)
class Delivery:
    topic: str
    partition: int
    offset: int
    message: Message

    def envelope(self) -> Envelope:
        try:
            return Envelope.from_binary(self.message)
        except InvalidEnvelope as error:
            raise PoisonMessage(f"not a readable CloudEvent: {error}") from None

    def decode(self) -> tuple[Envelope, Event]:
        """The envelope and its event as today's model, or PoisonMessage."""
        envelope = self.envelope()
        try:
            return envelope, envelope.event()
        except (UnknownEventType, ValidationError, ValueError) as error:
            raise PoisonMessage(f"{envelope.type} {envelope.id} is not valid: {error}") from None


Handler = Callable[[Delivery], Awaitable[None]]
# Optional: handles several deliveries of one partition at once (one
# transaction for many messages); on failure they are handled one by one.
BatchHandler = Callable[[list[Delivery]], Awaitable[None]]


class Subscription(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Bus(Protocol):
    # Whether published messages outlive the process (Kafka) or not (in-process).
    durable: bool

    async def publish(self, topic: str, messages: Sequence[Message]) -> None:
        """Returns once every message is durably accepted (Kafka: acks=all)."""
        ...

    async def ensure_topics(self, topics: Sequence[str]) -> None: ...

    def subscribe(
        self,
        *,
        group: str,
        topics: Sequence[str],
        handler: Handler,
        batch_handler: BatchHandler | None = None,
    ) -> Subscription:
        """Consumers of one group share the work; offsets are committed only
        after the handler returned; what cannot be handled is dead-lettered."""
        ...

    async def close(self) -> None: ...
