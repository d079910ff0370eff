"""Driving evaluation in tests: the app in-process with a settable clock, events published through the
real broker, a listener on its exchange, and what a program year's events look like."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import aio_pika
import httpx
from fastapi import FastAPI

from services.evaluation.adapters.clock import FixedClock
from services.evaluation.bootstrap import build_spec
from services.evaluation.config import Settings
from shared.events import matching, registration
from shared.events.catalog import decode, encode
from shared.events.envelope import IntegrationEvent
from shared.runtime import create_app
from shared.testing.helpers import auth
from shared.testing.infrastructure import Infrastructure
from shared.testing.processes import TEST_JWT_SECRET, runtime_url

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T]], accept: Callable[[T], bool], *, timeout: float = 15.0
) -> T:
    """Call ``probe`` until ``accept`` takes its result (the positive signal), or fail with the last one."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if accept(value):
            return value
        assert time.monotonic() < deadline, f"not reached within {timeout}s; last: {value!r}"
        await asyncio.sleep(0.1)


class Bus:
    """Publishes events to the events exchange exactly as a producer's relay does."""

    def __init__(self, connection: aio_pika.abc.AbstractConnection, exchange: aio_pika.abc.AbstractExchange):
        self.connection = connection
        self.exchange = exchange

    @classmethod
    async def open(cls, rabbitmq_url: str, exchange_name: str) -> Bus:
        connection = await aio_pika.connect(rabbitmq_url, timeout=10)
        channel = await connection.channel()
        exchange = await channel.declare_exchange(exchange_name, aio_pika.ExchangeType.TOPIC, durable=True)
        return cls(connection, exchange)

    async def publish(self, *events: IntegrationEvent) -> None:
        for event in events:
            await self.exchange.publish(
                aio_pika.Message(encode(event), message_id=str(event.event_id), delivery_mode=2),
                routing_key=event.routing_key(),
            )

    async def close(self) -> None:
        await self.connection.close()


class Listener:
    """An exclusive queue bound to the events exchange; ``take(n, board=)`` returns the next n events
    of that board (others' events, published meanwhile, are skipped)."""

    def __init__(self, connection: aio_pika.abc.AbstractConnection, queue: aio_pika.abc.AbstractQueue):
        self.connection = connection
        self.queue = queue

    @classmethod
    async def open(cls, rabbitmq_url: str, exchange_name: str, routing_key: str) -> Listener:
        connection = await aio_pika.connect(rabbitmq_url, timeout=10)
        channel = await connection.channel()
        exchange = await channel.declare_exchange(exchange_name, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key=routing_key)
        return cls(connection, queue)

    async def take(self, count: int, *, board: str, timeout: float = 15.0) -> list[IntegrationEvent]:
        found: list[IntegrationEvent] = []
        deadline = time.monotonic() + timeout
        while len(found) < count:
            message = await self.queue.get(fail=False, no_ack=True)
            if message is None:
                assert time.monotonic() < deadline, f"only {len(found)} of {count} events arrived: {found}"
                await asyncio.sleep(0.05)
                continue
            event = decode(message.body)
            if event.board == board:
                found.append(event)
        return found

    async def nothing_more(self, *, board: str) -> bool:
        """True if no further event of ``board`` is queued. Call it only after a positive signal: an
        event published after everything the test is counting, taken from this queue (what was
        published before it is already here, the broker keeps a queue's order)."""
        while (message := await self.queue.get(fail=False, no_ack=True)) is not None:
            if decode(message.body).board == board:
                return False
        return True

    async def close(self) -> None:
        await self.connection.close()


@dataclass
class EvaluationApi:
    app: FastAPI
    client: httpx.AsyncClient
    settings: Settings
    clock: FixedClock

    async def call(self, method: str, path: str, token: str, **kwargs: Any) -> httpx.Response:
        headers = {**auth(token), **kwargs.pop("headers", {})}
        return await self.client.request(method, f"/v1{path}", headers=headers, **kwargs)

    async def ok(self, method: str, path: str, token: str, expect: int = 200, **kwargs: Any) -> Any:
        response = await self.call(method, path, token, **kwargs)
        assert response.status_code == expect, f"{method} {path} -> {response.status_code}: {response.text}"
        return (
            response.json()
            if response.content and "json" in response.headers.get("content-type", "")
            else response
        )


@asynccontextmanager
async def start_api(
    infra: Infrastructure, database_url: str, prefix: str, **settings: Any
) -> AsyncIterator[EvaluationApi]:
    """``create_app(build_spec(Settings(...)))`` running its lifespan, its clock fixed (tests move it)."""
    config = Settings(
        # The service's runtime role, held to row-level security as in production.
        database_url=runtime_url(database_url, "evaluation"),
        rabbitmq_url=infra.rabbitmq_url,
        bus_prefix=prefix,
        jwt_secret=TEST_JWT_SECRET,
        mentorweb_env="test",
        **settings,
    )
    app = create_app(build_spec(config))
    clock = FixedClock(datetime(2026, 10, 1, tzinfo=UTC))
    app.state.clock = clock
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://evaluation.test", timeout=30
        ) as client:
            yield EvaluationApi(app, client, config, clock)


# ---------------------------------------------------------------- a program year's events


def profile(
    board: str, role: str = "beginning_teacher", year: str = "2026-2027", language: str = "en"
) -> registration.ParticipantProfile:
    pid = uuid.uuid4()
    return registration.ParticipantProfile(
        participant_id=pid,
        program_year=year,
        hr_id=f"HR{pid.hex[:6]}",
        role=role,
        given_name="Test",
        family_name=f"Person {pid.hex[:4]}",
        email=f"p{pid.hex[:10]}@example.org",
        language=language,
    )


def registered(board: str, p: registration.ParticipantProfile) -> IntegrationEvent:
    cls = registration.MentorRegistered if p.role == "mentor" else registration.TeacherRegistered
    return cls(board=board, participant=p)


def hub_formed(
    board: str, members: list[uuid.UUID], leaders: list[uuid.UUID], *, at: datetime, year: str = "2026-2027"
) -> matching.HubFormed:
    return matching.HubFormed(
        board=board,
        hub_id=uuid.uuid4(),
        program_year=year,
        theme="early_literacy",
        members=members,
        leaders=leaders,
        occurred_at=at,
    )


def meeting(
    board: str,
    hub_id: uuid.UUID,
    starts_at: datetime,
    cls: type[matching.HubMeetingScheduled] = matching.HubMeetingScheduled,
    *,
    meeting_id: uuid.UUID | None = None,
    sequence: int = 0,
) -> matching.HubMeetingScheduled:
    return cls(
        board=board,
        meeting_id=meeting_id or uuid.uuid4(),
        hub_id=hub_id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=3),
        sequence=sequence,
    )
