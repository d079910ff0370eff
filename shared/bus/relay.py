"""Outbox relay: publishes pending outbox rows with publisher confirms, then marks them published.

Several replicas can run: each claims a batch with ``FOR UPDATE SKIP LOCKED``. It wakes on the
``NOTIFY`` that a committing unit of work sends, and polls as the source of truth in case a
notification was missed (listener reconnecting, relay started late).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import aio_pika
import asyncpg
import sqlalchemy as sa
from opentelemetry import propagate, trace
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.outbox import OUTBOX_CHANNEL
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)
tracer = trace.get_tracer("mentorweb.outbox")

_CLAIM = sa.text(
    "SELECT id, event_id, event_type, routing_key, board, body, headers FROM outbox "
    "WHERE state = 'pending' ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED"
)
_MARK_PUBLISHED = sa.text(
    "UPDATE outbox SET state = 'published', published_at = now(), attempts = attempts + 1 "
    "WHERE id = ANY(:ids)"
)
_MARK_FAILED_ATTEMPT = sa.text(
    "UPDATE outbox SET attempts = attempts + 1, last_error = :error WHERE id = ANY(:ids)"
)


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://", 1)


class OutboxRelay:
    def __init__(self, engine: AsyncEngine, settings: ServiceSettings):
        self._engine = engine
        self._settings = settings
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._connection: aio_pika.abc.AbstractRobustConnection | None = None
        self._exchange: aio_pika.abc.AbstractExchange | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.published = 0

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._run(), name="outbox-relay"),
            asyncio.create_task(self._listen(), name="outbox-listen"),
        ]

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        for task in self._tasks:
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                # Let the batch in flight finish (publish + mark) so nothing is sent twice needlessly.
                await asyncio.wait_for(task, timeout=10)
        if self._connection is not None:
            await self._connection.close()

    def wake(self) -> None:
        self._wake.set()

    async def _exchange_or_connect(self) -> aio_pika.abc.AbstractExchange:
        if self._exchange is None or self._connection is None or self._connection.is_closed:
            self._connection = await aio_pika.connect_robust(self._settings.rabbitmq_url, timeout=5)
            channel = await self._connection.channel(publisher_confirms=True)
            self._exchange = await channel.declare_exchange(
                self._settings.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
            )
        return self._exchange

    async def _run(self) -> None:
        backoff = 0.2
        while not self._stopping.is_set():
            try:
                sent = await self.publish_batch()
                backoff = 0.2
                if sent >= self._settings.relay_batch_size:
                    continue  # more waiting: keep draining without sleeping
            except Exception as exc:  # broker or database down: retry with backoff, never die
                log.warning("outbox relay: %s, retrying in %.1fs", exc.__class__.__name__, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._settings.relay_poll_interval)
            self._wake.clear()

    async def publish_batch(self) -> int:
        """Claim up to one batch of pending rows, publish them with confirms, mark them published."""
        exchange = await self._exchange_or_connect()
        async with self._engine.connect() as conn, conn.begin():
            rows = (await conn.execute(_CLAIM, {"limit": self._settings.relay_batch_size})).all()
            if not rows:
                return 0
            try:
                await asyncio.gather(*(self._publish(exchange, row) for row in rows))
            except Exception as exc:
                await conn.rollback()
                async with self._engine.begin() as failed:
                    await failed.execute(
                        _MARK_FAILED_ATTEMPT,
                        {"ids": [row.id for row in rows], "error": f"{exc.__class__.__name__}: {exc}"[:500]},
                    )
                raise
            await conn.execute(_MARK_PUBLISHED, {"ids": [row.id for row in rows]})
        self.published += len(rows)
        return len(rows)

    async def _publish(self, exchange: aio_pika.abc.AbstractExchange, row: Any) -> None:
        parent = propagate.extract(row.headers or {})
        with tracer.start_as_current_span(
            f"{row.routing_key} publish",
            context=parent,
            kind=trace.SpanKind.PRODUCER,
            attributes={
                "messaging.system": "rabbitmq",
                "messaging.destination.name": self._settings.exchange_name,
                "messaging.rabbitmq.destination.routing_key": row.routing_key,
                "messaging.message.id": str(row.event_id),
                "mentorweb.board": row.board,
            },
        ):
            headers: dict[str, Any] = {"event_type": row.event_type, "board": row.board}
            propagate.inject(headers)
            message = aio_pika.Message(
                body=bytes(row.body),
                message_id=str(row.event_id),
                type=row.event_type,
                app_id=self._settings.service_name,
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                headers=headers,
            )
            await exchange.publish(message, routing_key=row.routing_key, timeout=10)

    async def _listen(self) -> None:
        """Keep a LISTEN connection open; on failure fall back to polling and reconnect."""
        while not self._stopping.is_set():
            conn = None
            try:
                conn = await asyncpg.connect(asyncpg_dsn(self._settings.database_url), timeout=5)
                await conn.add_listener(OUTBOX_CHANNEL, lambda *_: self._wake.set())
                while not self._stopping.is_set() and not conn.is_closed():
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(self._stopping.wait(), timeout=5)
            except Exception as exc:
                log.info("outbox listener: %s; polling until it reconnects", exc.__class__.__name__)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), timeout=2)
            finally:
                if conn is not None and not conn.is_closed():
                    with contextlib.suppress(Exception):
                        await conn.close(timeout=2)
