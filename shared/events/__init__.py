"""Integration event contracts shared by every service."""

from shared.events.catalog import EVENT_TYPES, UndecodableEvent, decode, encode
from shared.events.envelope import IntegrationEvent

__all__ = ["EVENT_TYPES", "IntegrationEvent", "UndecodableEvent", "decode", "encode"]
