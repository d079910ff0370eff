"""The audit stream is declared with the topology and takes every routing key (an event nobody
subscribes to is routed, not returned); a service whose retention setting differs from the running
stream's still starts (the stream is kept as it is)."""

from __future__ import annotations

import uuid

import aio_pika
import aiormq
import pytest

from shared.bus.audit import audit_stream_name
from shared.bus.topology import declare_exchanges
from shared.settings import ServiceSettings

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_the_stream_takes_any_routing_key_and_survives_another_retention(infra, caplog):
    prefix = f"mwta{uuid.uuid4().hex[:6]}"
    settings = ServiceSettings(rabbitmq_url=infra.rabbitmq_url, bus_prefix=prefix, audit_max_age="7D")
    connection = await aio_pika.connect(infra.rabbitmq_url)
    try:
        confirmed = await connection.channel(publisher_confirms=True)
        bare = await confirmed.declare_exchange(
            settings.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )

        async def publish() -> object:
            return await bare.publish(
                aio_pika.Message(b"{}", message_id=str(uuid.uuid4())), routing_key="nobody.listens.v9"
            )

        # Without the topology's stream, an event no service binds comes back (the relay would retry it).
        assert not isinstance(await publish(), aiormq.spec.Basic.Ack)
        async with connection.channel() as channel:
            await declare_exchanges(channel, settings)
        assert isinstance(await publish(), aiormq.spec.Basic.Ack)
        # Another service, configured with another retention, starts later: no PRECONDITION_FAILED,
        # and the stream still takes everything.
        async with connection.channel() as channel:
            await declare_exchanges(channel, settings.model_copy(update={"audit_max_age": "30D"}))
        assert "exists with other arguments" in caplog.text
        assert isinstance(await publish(), aiormq.spec.Basic.Ack)
    finally:
        async with connection.channel() as channel:
            await channel.queue_delete(audit_stream_name(settings))
            await channel.exchange_delete(settings.exchange_name)
            await channel.exchange_delete(settings.dead_letter_exchange_name)
        await connection.close()
