"""Atomicity of the transactional outbox: no event without its state change, and no state change
whose event is lost when the broker is away."""

from __future__ import annotations

import uuid
from pathlib import Path

import aio_pika
import asyncpg
import httpx
import pytest
from sqlalchemy.exc import IntegrityError

from shared.db import UnitOfWork, make_engine, make_session_factory
from shared.events.registration import ParticipantProfile, TeacherRegistered
from shared.migrations import drop_database, upgrade
from shared.testing.helpers import auth, unique_board
from shared.testing.processes import System, delete_bus_objects, wait_until
from shared.testing.proxy import ThreadedTcpProxy
from shared.testing.smtp_sink import free_port
from shared.wakeup import asyncpg_dsn
from tests.e2e.helpers import create_board, teacher

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
ROOT = Path(__file__).resolve().parents[2]


def _event(board: str) -> TeacherRegistered:
    profile = ParticipantProfile(
        participant_id=uuid.uuid4(),
        program_year="2026-2027",
        hr_id="X",
        role="beginning_teacher",
        given_name="A",
        family_name="B",
        email="a.b@example.org",
    )
    return TeacherRegistered(board=board, participant=profile)


async def test_failed_transaction_publishes_nothing(infra, run_prefix):
    url = infra.database_url(f"{run_prefix}_atomic")
    await upgrade("registration", url)
    engine = make_engine(url)
    try:
        factory = make_session_factory(engine)
        with pytest.raises(RuntimeError):
            async with UnitOfWork(factory) as uow:
                uow.publish(_event("ELM"))
                raise RuntimeError("the state change failed")
        # A failure inside commit (constraint violation) rolls back the outbox row with it.
        event = _event("ELM")
        async with UnitOfWork(factory) as uow:
            uow.publish(event, event)  # same event_id twice: the unique key makes the commit fail
            with pytest.raises(IntegrityError):
                await uow.commit()
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            assert await conn.fetchval("SELECT count(*) FROM outbox") == 0
        finally:
            await conn.close()
    finally:
        await engine.dispose()
        await drop_database(url)


def _broker_unreachable(client: httpx.Client, system: System) -> bool:
    return "unreachable" in str(client.get(f"{system.url('registration')}/readyz").json().get("broker"))


async def test_registration_succeeds_while_broker_is_away_and_event_follows(infra, smtp, token):
    """Registration reaches RabbitMQ through a proxy the test cuts; the HTTP call still succeeds
    and the event is published once the broker is reachable again."""
    prefix = f"mwtb{uuid.uuid4().hex[:6]}"
    mq_host, mq_port = "127.0.0.1", 5672
    proxy = ThreadedTcpProxy(mq_host, mq_port, free_port()).start()
    system = System(
        infra=infra,
        prefix=prefix,
        log_dir=ROOT / ".run" / "test-logs" / prefix,
        smtp_port=smtp.port,
        rabbitmq_url=f"amqp://guest:guest@127.0.0.1:{proxy.listen_port}/",
    )
    await system.migrate(("registration",))
    connection = await aio_pika.connect(infra.rabbitmq_url)
    try:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(
            f"{prefix}.events", aio_pika.ExchangeType.TOPIC, durable=True
        )
        observed = await channel.declare_queue(exclusive=True)
        await observed.bind(exchange, routing_key="registration.teacher_registered.v1")
        system.start(("registration",))
        board = unique_board()
        admin = token("province_admin")
        with httpx.Client(timeout=10) as client:
            create_board(client, system.url("registration"), admin, board)
            proxy.cut()
            # The service has seen the broker go (a positive signal, not a pause).
            assert await wait_until(lambda: _broker_unreachable(client, system), timeout=30)
            response = client.post(
                f"{system.url('registration')}/v1/participants", json=teacher(board), headers=auth(admin)
            )
        assert response.status_code == 201, response.text
        conn = await asyncpg.connect(asyncpg_dsn(system.database_url("registration")))
        try:
            # The registration's event (ParticipantsCounted, sent with it, is not this test's subject).
            registered = "event_type = 'TeacherRegistered'"
            # A relay pass tried the row and failed (it counts the attempt): only now does an empty
            # queue show that nothing got through.
            assert await wait_until(
                lambda: conn.fetchval(f"SELECT attempts > 0 FROM outbox WHERE {registered}"), timeout=30
            ), "the relay never tried to publish the registration"
            assert (await observed.get(fail=False)) is None  # nothing could be published yet
            assert (
                await conn.fetchval(f"SELECT count(*) FROM outbox WHERE state = 'pending' AND {registered}")
                == 1
            )
            proxy.restore()
            message = await wait_until(lambda: observed.get(fail=False), timeout=30)
            assert message is not None, "event not published after the broker came back"
            assert message.message_id and uuid.UUID(message.message_id)
            await message.ack()
            assert await wait_until(
                lambda: conn.fetchval(
                    f"SELECT count(*) = 1 FROM outbox WHERE state = 'published' AND {registered}"
                ),
                timeout=10,
            )
        finally:
            await conn.close()
        # A later registration is the sentinel: once its event is through, the relay has passed the
        # first row again if it ever would, so a second copy would be in the queue by now.
        sentinel = teacher(board)
        with httpx.Client(timeout=10) as client:
            later = client.post(
                f"{system.url('registration')}/v1/participants", json=sentinel, headers=auth(admin)
            )
        assert later.status_code == 201, later.text
        after: list[aio_pika.abc.AbstractIncomingMessage] = []

        async def sentinel_arrived() -> bool:
            while (next_message := await observed.get(fail=False)) is not None:
                await next_message.ack()
                after.append(next_message)
            return any(sentinel["hr_id"].encode() in m.body for m in after)

        assert await wait_until(sentinel_arrived, timeout=30), "the sentinel registration was never published"
        assert [
            m.message_id for m in after if m.message_id == message.message_id
        ] == []  # published exactly once
    finally:
        system.stop()
        proxy.stop()
        await connection.close()
        await drop_database(system.database_url("registration"))
        await delete_bus_objects(infra.rabbitmq_url, prefix)


async def test_an_event_no_queue_takes_stays_pending(infra, run_prefix):
    """Right after a broker restart the bindings may not be back: the broker returns a message it
    cannot route, and the relay must keep its row pending (and retry) instead of calling it sent."""
    from shared.bus.relay import OutboxRelay
    from shared.settings import ServiceSettings

    url = infra.database_url(f"{run_prefix}_unroutable")
    prefix = f"{run_prefix}u"
    await upgrade("registration", url)
    engine = make_engine(url)
    settings = ServiceSettings(
        service_name="registration", database_url=url, rabbitmq_url=infra.rabbitmq_url, bus_prefix=prefix
    )
    relay = OutboxRelay(engine, settings)
    connection = await aio_pika.connect(infra.rabbitmq_url)
    try:
        factory = make_session_factory(engine)
        async with UnitOfWork(factory) as uow:
            uow.publish(_event("ELM"))
            await uow.commit()
        # The exchange exists now, but no queue is bound to it: the broker returns the message.
        assert await relay.publish_batch() == 0
        assert relay.returned == 1
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            state, error = await conn.fetchrow("SELECT state, last_error FROM outbox")
            assert state == "pending" and "returned" in error
            # Once a queue is bound, the same row goes out and only then counts as published.
            channel = await connection.channel()
            queue = await channel.declare_queue(f"{prefix}.probe", exclusive=True)
            await queue.bind(f"{prefix}.events", routing_key="#")
            assert await relay.publish_batch() == 1
            assert await conn.fetchval("SELECT state FROM outbox") == "published"
            assert (await queue.get(timeout=5, fail=True)) is not None

            # An event type no service subscribes to is, after the grace period, published to no one
            # (and says so) rather than held forever in front of the rest.
            await queue.unbind(f"{prefix}.events", routing_key="#")
            quiet = OutboxRelay(engine, settings.model_copy(update={"relay_unroutable_grace_seconds": 0}))
            async with UnitOfWork(factory) as uow:
                uow.publish(_event("ELM"))
                await uow.commit()
            try:
                assert await quiet.publish_batch() == 1
            finally:
                await quiet.stop()
            state, error = await conn.fetchrow(
                "SELECT state, last_error FROM outbox ORDER BY id DESC LIMIT 1"
            )
            assert state == "published" and "no one" in error
        finally:
            await conn.close()
    finally:
        await relay.stop()
        await connection.close()
        await engine.dispose()
        await drop_database(url)
        await delete_bus_objects(infra.rabbitmq_url, prefix)
