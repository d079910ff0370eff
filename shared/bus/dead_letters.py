"""Dead-letter queues: look at what failed and why, and replay it to the service that failed.

Replay publishes to the service's own queue through the default exchange, so other services,
which handled the event already, do not see it again; the inbox makes a replay idempotent.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass
from typing import Any

import aio_pika

from shared.bus.connection import connect_robust
from shared.settings import ServiceSettings


@dataclass
class DeadLetter:
    message_id: str | None
    event_type: str | None
    reason: str
    failed_at: str | None
    original_routing_key: str | None
    headers: dict[str, Any]
    body: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _reason(headers: dict[str, Any]) -> str:
    if "x-mentorweb-death-reason" in headers:
        return str(headers["x-mentorweb-death-reason"])
    deaths = headers.get("x-death") or []
    if deaths:
        # Dead-lettered by the broker itself (e.g. delivery limit reached while a consumer crashed).
        first = deaths[0]
        return f"broker: {first.get('reason')} from {first.get('queue')}"
    return "unknown"


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _to_dead_letter(message: aio_pika.abc.AbstractIncomingMessage) -> DeadLetter:
    headers = dict(message.headers or {})
    return DeadLetter(
        message_id=message.message_id,
        event_type=message.type or _text(headers.get("event_type")),
        reason=_reason(headers),
        failed_at=str(headers.get("x-mentorweb-failed-at")) if headers.get("x-mentorweb-failed-at") else None,
        original_routing_key=str(headers.get("x-original-routing-key") or message.routing_key),
        headers={k: str(v) for k, v in headers.items()},
        body=message.body[:2000].decode("utf-8", errors="replace"),
    )


async def _take(queue: aio_pika.abc.AbstractQueue, limit: int) -> list[aio_pika.abc.AbstractIncomingMessage]:
    taken = []
    for _ in range(limit):
        message = await queue.get(no_ack=False, fail=False, timeout=5)
        if message is None:
            break
        taken.append(message)
    return taken


async def peek(settings: ServiceSettings, *, limit: int = 100) -> list[DeadLetter]:
    connection = await connect_robust(settings.rabbitmq_url, timeout=10)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(settings.dead_letter_queue_name, passive=True)
        taken = await _take(queue, limit)
        letters = [_to_dead_letter(m) for m in taken]
        # Peeking gives everything back unchanged.
        for message in taken:
            await message.nack(requeue=True)
    return letters


async def replay(settings: ServiceSettings, *, message_id: str | None = None, limit: int = 100) -> int:
    replayed = 0
    connection = await connect_robust(settings.rabbitmq_url, timeout=10)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        queue = await channel.declare_queue(settings.dead_letter_queue_name, passive=True)
        for message in await _take(queue, limit):
            if message_id is not None and message.message_id != message_id:
                await message.nack(requeue=True)
                continue
            headers = {k: v for k, v in (message.headers or {}).items() if not k.startswith("x-")}
            headers["x-mentorweb-replayed"] = True
            await channel.default_exchange.publish(
                aio_pika.Message(
                    body=message.body,
                    headers=headers,
                    message_id=message.message_id,
                    type=message.type,
                    content_type=message.content_type,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=settings.queue_name,
            )
            await message.ack()
            replayed += 1
    return replayed


async def purge(settings: ServiceSettings) -> int:
    connection = await connect_robust(settings.rabbitmq_url, timeout=10)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(settings.dead_letter_queue_name, passive=True)
        result = await queue.purge()
        await asyncio.sleep(0)
        return int(result.message_count or 0)
