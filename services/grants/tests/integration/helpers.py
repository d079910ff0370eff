"""Driving the grants API in tests: the app in-process, request bodies, and a bus listener."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import aio_pika
import httpx
from fastapi import FastAPI

from services.grants.bootstrap import build_spec
from services.grants.config import Settings
from shared.events.catalog import decode
from shared.events.envelope import IntegrationEvent
from shared.runtime import create_app
from shared.testing.helpers import auth
from shared.testing.infrastructure import Infrastructure
from shared.testing.processes import TEST_JWT_SECRET, runtime_url

EDMONTON = ZoneInfo("America/Edmonton")
_years = itertools.count(2101)


def unique_year() -> tuple[str, int]:
    """A program year no other test uses (programs are unique per year and stream), and its end year."""
    start = next(_years)
    return f"{start}-{start + 1}", start + 1


@dataclass
class GrantsApi:
    app: FastAPI
    client: httpx.AsyncClient
    settings: Settings

    async def call(self, method: str, path: str, token: str, **kwargs: Any) -> httpx.Response:
        return await self.client.request(method, f"/v1{path}", headers=auth(token), **kwargs)

    async def ok(self, method: str, path: str, token: str, expect: int = 200, **kwargs: Any) -> Any:
        response = await self.call(method, path, token, **kwargs)
        assert response.status_code == expect, f"{method} {path} -> {response.status_code}: {response.text}"
        return response.json()

    async def program(self, token: str, year: str, **fields: Any) -> dict[str, Any]:
        body = {
            "program_year": year,
            "stream": "beginning_teacher",
            "max_award": "5000.00",
            "budget": "50000.00",
        }
        return await self.ok("POST", "/programs", token, 201, json={**body, **fields})  # type: ignore[no-any-return]

    async def draft(self, token: str, year: str, **fields: Any) -> dict[str, Any]:
        return await self.ok("POST", "/applications", token, 201, json=application(year, **fields))  # type: ignore[no-any-return]


@asynccontextmanager
async def start_api(
    infra: Infrastructure, database_url: str, prefix: str, **settings: Any
) -> AsyncIterator[GrantsApi]:
    """``create_app(build_spec(Settings(...)))`` running its lifespan, with an httpx client on it."""
    config = Settings(
        # The service's runtime role, held to row-level security as in production.
        database_url=runtime_url(database_url, "grants"),
        rabbitmq_url=infra.rabbitmq_url,
        bus_prefix=prefix,
        jwt_secret=TEST_JWT_SECRET,
        mentorweb_env="test",
        **settings,
    )
    app = create_app(build_spec(config))
    async with app.router.lifespan_context(app):  # type: ignore[attr-defined]
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://grants.test", timeout=30
        ) as client:
            yield GrantsApi(app, client, config)


def application(year: str, **overrides: Any) -> dict[str, Any]:
    """A complete application body (ready to submit): two expense lines totalling 1500.50."""
    body: dict[str, Any] = {
        "program_year": year,
        "organisation": {"association_local": "ATA Local 37"},
        "contact": {"name": "Dana Okafor", "email": "dana.okafor@example.org"},
        "committee": [
            {"name": "Sam Tremblay", "role": "local"},
            {"name": "Ana Ruiz", "role": "district"},
        ],
        "program": {"stream": "beginning_teacher", "expected_mentees": 12, "expected_mentors": 6},
        "expense_lines": [
            {
                "category": "release_time",
                "description": "Release time for two mentoring days",
                "amount": "1200.00",
                "incurred_on": "2026-10-14",
            },
            {
                "category": "meeting_costs",
                "description": "Steering committee meetings",
                "amount": "300.50",
                "incurred_on": "2026-11-02",
            },
        ],
    }
    body.update(overrides)
    return body


class BusListener:
    """An exclusive queue bound to the events exchange; ``take(n)`` returns the next n events."""

    def __init__(self, connection: aio_pika.abc.AbstractConnection, queue: aio_pika.abc.AbstractQueue):
        self.connection = connection
        self.queue = queue

    @classmethod
    async def open(cls, rabbitmq_url: str, exchange_name: str, routing_key: str) -> BusListener:
        connection = await aio_pika.connect(rabbitmq_url, timeout=10)
        channel = await connection.channel()
        exchange = await channel.declare_exchange(exchange_name, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key=routing_key)
        return cls(connection, queue)

    async def take(
        self, count: int, *, board: str, timeout: float = 15.0
    ) -> list[tuple[str, str | None, IntegrationEvent]]:
        """(routing key, AMQP message_id, event) of the next ``count`` events of ``board``, in arrival
        order (other tests' events, published meanwhile, are skipped)."""
        found: list[tuple[str, str | None, IntegrationEvent]] = []
        deadline = time.monotonic() + timeout
        while len(found) < count:
            message = await self.queue.get(fail=False, no_ack=True)
            if message is None:
                assert time.monotonic() < deadline, f"only {len(found)} of {count} events arrived: {found}"
                await asyncio.sleep(0.05)
                continue
            event = decode(message.body)
            if event.board == board:
                found.append((message.routing_key or "", message.message_id, event))
        return found

    async def nothing_more(self, *, board: str, wait: float = 1.0) -> bool:
        """True if no further event of ``board`` arrives within ``wait`` seconds."""
        await asyncio.sleep(wait)
        while (message := await self.queue.get(fail=False, no_ack=True)) is not None:
            if decode(message.body).board == board:
                return False
        return True

    async def close(self) -> None:
        await self.connection.close()
