"""Batched acknowledgements on a real RabbitMQ: every handled message is acked, many per frame, and
none before it was marked done (a message still in hand comes back when its channel closes)."""

from __future__ import annotations

import asyncio
import uuid

import aio_pika
import pytest

from shared.bus.acks import BatchedAcks

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def _queue_with(connection: aio_pika.abc.AbstractConnection, name: str, count: int) -> None:
    async with connection.channel() as channel:
        queue = await channel.declare_queue(name, durable=True, arguments={"x-queue-type": "quorum"})
        for n in range(count):
            await channel.default_exchange.publish(aio_pika.Message(str(n).encode()), routing_key=queue.name)


async def _ready(connection: aio_pika.abc.AbstractConnection, name: str) -> list[int]:
    """What is back on the queue, once nothing holds it."""
    async with connection.channel() as channel:
        queue = await channel.declare_queue(name, passive=True)
        back = []
        while (message := await queue.get(fail=False)) is not None:
            back.append(int(message.body))
            await message.ack()
        return sorted(back)


async def test_handled_messages_are_acked_many_per_frame_and_none_in_hand_is(infra):
    name = f"mwtacks{uuid.uuid4().hex[:6]}"
    connection = await aio_pika.connect(infra.rabbitmq_url)
    try:
        await _queue_with(connection, name, 100)
        acks = BatchedAcks()
        held: list[aio_pika.abc.AbstractIncomingMessage] = []
        seen = asyncio.get_running_loop().create_future()
        count = 0
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=32)
        queue = await channel.declare_queue(name, passive=True)

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            nonlocal count
            acks.delivered(message)
            if int(message.body) in (90, 95):
                held.append(message)  # in hand: never marked done
                return
            await asyncio.sleep(0.01 * (int(message.body) % 3))  # done out of delivery order
            acks.ack(message)
            count += 1
            if count == 98 and not seen.done():
                seen.set_result(None)

        await queue.consume(on_message)
        await asyncio.wait_for(seen, 30)
        await acks.drain()
        assert 0 < acks.frames < 40  # the 98 done messages did not take one frame each
        await channel.close()  # the two in hand go back to the queue: they were never acked
        assert await _ready(connection, name) == [90, 95]
    finally:
        async with connection.channel() as channel:
            await channel.queue_delete(name)
        await connection.close()
