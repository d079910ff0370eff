"""A connection given several nodes skips one that does not answer (the local broker as the live node)."""

from __future__ import annotations

import aio_pika
import pytest

from shared.bus.connection import connect_robust
from shared.testing.infrastructure import Infrastructure
from shared.testing.smtp_sink import free_port

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_connects_to_the_first_node_that_answers(infra: Infrastructure):
    dead = f"amqp://guest:guest@127.0.0.1:{free_port()}/"  # nothing listens there
    connection = await connect_robust(f"{dead},{infra.rabbitmq_url}", timeout=5)
    try:
        assert str(connection.url).rstrip("/") == infra.rabbitmq_url.rstrip("/")
        channel = await connection.channel()
        queue = await channel.declare_queue(exclusive=True)
        await channel.default_exchange.publish(aio_pika.Message(b"hello"), queue.name)
        message = await queue.get(timeout=5)
        assert message is not None and message.body == b"hello"
        await message.ack()
    finally:
        await connection.close()
