"""The message bus (one interface, a Kafka adapter and an in-process adapter), the
channels a service declares it publishes and consumes, and the relay that publishes an
event log to it."""

from ec_platform.bus.base import Bus, Delivery, Handler, PoisonMessage, Subscription
from ec_platform.bus.factory import open_bus
from ec_platform.bus.memory import InMemoryBus

__all__ = ["Bus", "Delivery", "Handler", "InMemoryBus", "PoisonMessage", "Subscription", "open_bus"]
