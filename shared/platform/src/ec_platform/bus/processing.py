"""Handling one delivery: retries for passing faults, a dead letter for the rest."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from opentelemetry.trace import SpanKind
from sqlalchemy.exc import InterfaceError, OperationalError

from ec_events import Message, dead_letter_topic
from ec_platform.bus.base import BatchHandler, Delivery, Handler, PoisonMessage
from ec_platform.bus.dead_letters import dead_letter
from ec_platform.observability.tracing import (
    TRACEPARENT,
    TRACESTATE,
    TraceContext,
    continued_span,
    joined_span,
    messaging_attributes,
)

log = logging.getLogger(__name__)

# Faults of the world, not of the message: retried for as long as they last,
# holding the partition, rather than dead-lettering good messages.
TRANSIENT: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    OperationalError,
    InterfaceError,
)
MAX_TRANSIENT_BACKOFF_S = 5.0

Publish = Callable[[str, list[Message]], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    backoff_s: float = 0.2


class DeliveryProcessor:
    def __init__(
        self,
        *,
        group: str,
        handler: Handler,
        publish: Publish,
        policy: RetryPolicy,
        batch_handler: BatchHandler | None = None,
        on_outcome: Callable[[str, str], None] = lambda _topic, _outcome: None,
        system: str = "kafka",
    ) -> None:
        self.system = system
        self.group = group
        self.handler = handler
        self.batch_handler = batch_handler
        self.publish = publish
        self.policy = policy
        self.on_outcome = on_outcome

    async def process_batch(
        self, deliveries: list[Delivery], done: Callable[[Delivery], None]
    ) -> None:
        """All at once when a batch handler is given; one by one, with retries
        and dead letters, when there is none or the batch fails. `done` hears of
        each delivery once it is handled (or dead-lettered), so the offsets to
        commit advance with the work."""
        if self.batch_handler is not None and len(deliveries) > 1:
            try:
                # One transaction handles them all: in their trace when they
                # share one, else in a new one linked to each.
                with joined_span(
                    f"process {deliveries[0].topic}",
                    [_trace_context_of(d) for d in deliveries],
                    kind=SpanKind.CONSUMER,
                    attributes=self._attributes(deliveries[0])
                    | {"messaging.batch.message_count": len(deliveries)},
                ):
                    await self.batch_handler(deliveries)
            except Exception as error:
                log.warning(
                    "group %s: a batch of %d failed (%r); handling them one by one",
                    self.group,
                    len(deliveries),
                    error,
                )
            else:
                for delivery in deliveries:
                    self.on_outcome(delivery.topic, "handled")
                    done(delivery)
                return
        for delivery in deliveries:
            await self.process(delivery)
            done(delivery)

    async def process(self, delivery: Delivery) -> None:
        """Handles the delivery in a consumer span continuing the trace its
        CloudEvent carries (`ce_traceparent`)."""
        with continued_span(
            f"process {delivery.topic}",
            _trace_context_of(delivery),
            kind=SpanKind.CONSUMER,
            attributes=self._attributes(delivery),
        ):
            await self._process(delivery)

    def _attributes(self, delivery: Delivery) -> dict[str, str | int]:
        return {
            **messaging_attributes(self.system, delivery.topic, "process"),
            "messaging.consumer.group.name": self.group,
            "messaging.destination.partition.id": str(delivery.partition),
            "messaging.kafka.offset": delivery.offset,
        }

    async def _process(self, delivery: Delivery) -> None:
        attempt = 0
        while True:
            attempt += 1
            try:
                await self.handler(delivery)
                self.on_outcome(delivery.topic, "handled")
                return
            except PoisonMessage as error:
                await self._dead_letter(delivery, f"poison: {error}")
                return
            except TRANSIENT as error:
                delay = min(self.policy.backoff_s * 2 ** (attempt - 1), MAX_TRANSIENT_BACKOFF_S)
                log.warning(
                    "group %s: transient failure, retrying in %.1fs: %r", self.group, delay, error
                )
                self.on_outcome(delivery.topic, "retried")
                await asyncio.sleep(delay)
            except Exception as error:
                if attempt >= self.policy.max_attempts:
                    await self._dead_letter(
                        delivery, f"failed {attempt} times: {type(error).__name__}: {error}"
                    )
                    return
                log.warning("group %s: handler failed (attempt %d): %r", self.group, attempt, error)
                self.on_outcome(delivery.topic, "retried")
                await asyncio.sleep(self.policy.backoff_s * 2 ** (attempt - 1))

    async def _dead_letter(self, delivery: Delivery, reason: str) -> None:
        log.error(
            "group %s: dead-lettering %s[%d]@%d: %s",
            self.group,
            delivery.topic,
            delivery.partition,
            delivery.offset,
            reason,
        )
        message = dead_letter(delivery, group=self.group, reason=reason)
        await self.publish(dead_letter_topic(delivery.topic), [message])
        self.on_outcome(delivery.topic, "dead_lettered")


def _trace_context_of(delivery: Delivery) -> TraceContext | None:
    message = delivery.message
    return TraceContext.from_headers(
        {
            name: value
            for name in (TRACEPARENT, TRACESTATE)
            if (value := message.header(f"ce_{name}")) is not None
        }
    )
