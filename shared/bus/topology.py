"""RabbitMQ topology: one durable topic exchange for integration events, one quorum queue per
service bound to the routing keys of the events it handles, and a dead-letter queue beside it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractQueue

from shared.bus.audit import declare_audit_stream
from shared.settings import ServiceSettings


def service_queue_arguments(settings: ServiceSettings) -> dict[str, Any]:
    return {
        "x-queue-type": "quorum",
        "x-dead-letter-exchange": settings.dead_letter_exchange_name,
        "x-dead-letter-routing-key": settings.queue_name,
        # Broker-side backstop (e.g. a consumer that crashes on every delivery); the consumer
        # itself dead-letters with the reason after max_handler_attempts.
        "x-delivery-limit": settings.queue_delivery_limit,
    }


async def declare_exchanges(
    channel: AbstractChannel, settings: ServiceSettings
) -> aio_pika.abc.AbstractExchange:
    exchange = await channel.declare_exchange(
        settings.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
    )
    await channel.declare_exchange(
        settings.dead_letter_exchange_name, aio_pika.ExchangeType.DIRECT, durable=True
    )
    # Every event is archived, so none is ever published to no one (shared/bus/audit.py).
    await declare_audit_stream(channel, settings)
    return exchange


async def declare_service_queue(
    channel: AbstractChannel, settings: ServiceSettings, routing_keys: Iterable[str]
) -> AbstractQueue:
    """Declare (idempotently) the service's queue, its dead-letter queue and their bindings."""
    await declare_exchanges(channel, settings)
    dlq = await channel.declare_queue(
        settings.dead_letter_queue_name, durable=True, arguments={"x-queue-type": "quorum"}
    )
    await dlq.bind(settings.dead_letter_exchange_name, routing_key=settings.queue_name)
    queue = await channel.declare_queue(
        settings.queue_name, durable=True, arguments=service_queue_arguments(settings)
    )
    for key in sorted(set(routing_keys)):
        await queue.bind(settings.exchange_name, routing_key=key)
    return queue
