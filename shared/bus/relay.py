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
import aiormq
import sqlalchemy as sa
from opentelemetry import propagate, trace
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.bus.connection import connect_robust
from shared.bus.errors import describe_error
from shared.outbox import OUTBOX_CHANNEL
from shared.settings import ServiceSettings
from shared.wakeup import PgWakeup

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
_MARK_PUBLISHED_TO_NO_ONE = sa.text(
    "UPDATE outbox SET state = 'published', published_at = now(), attempts = attempts + 1, "
    "last_error = 'no queue is bound to this routing key: published to no one' WHERE id = ANY(:ids)"
)
_MARK_RETURNED = sa.text(
    "UPDATE outbox SET attempts = attempts + 1, "
    "last_error = 'returned by the broker: no queue took it (yet)' WHERE id = ANY(:ids)"
)
_MARK_FAILED_ATTEMPT = sa.text(
    "UPDATE outbox SET attempts = attempts + 1, last_error = :error WHERE id = ANY(:ids)"
)


class OutboxRelay:
    def __init__(self, engine: AsyncEngine, settings: ServiceSettings):
        self._engine = engine
        self._settings = settings
        self._wakeup = PgWakeup(settings.database_url, OUTBOX_CHANNEL)
        self._connection: aio_pika.abc.AbstractRobustConnection | None = None
        self._exchange: aio_pika.abc.AbstractExchange | None = None
        self._task: asyncio.Task[None] | None = None
        self.published = 0
        self.returned = 0  # events the broker returned and that were kept pending
        self._first_returned: dict[int, float] = {}  # outbox id → when the broker first returned it

    async def start(self) -> None:
        self._wakeup.start()
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        await self._wakeup.stop()
        if self._task is not None:
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                # Let the batch in flight finish (publish + mark) so nothing is sent twice needlessly.
                await asyncio.wait_for(self._task, timeout=10)
        if self._connection is not None:
            await self._connection.close()

    def wake(self) -> None:
        self._wakeup.event.set()

    async def _exchange_or_connect(self) -> aio_pika.abc.AbstractExchange:
        if self._exchange is None or self._connection is None or self._connection.is_closed:
            self._connection = await connect_robust(self._settings.rabbitmq_url, timeout=5)
            channel = await self._connection.channel(publisher_confirms=True)
            self._exchange = await channel.declare_exchange(
                self._settings.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
            )
        return self._exchange

    async def _run(self) -> None:
        backoff = 0.2
        while not self._wakeup.stopping:
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
            await self._wakeup.wait(self._settings.relay_poll_interval)

    async def publish_batch(self) -> int:
        """Claim up to one batch of pending rows, publish them with confirms, mark them published."""
        exchange = await self._exchange_or_connect()
        async with self._engine.connect() as conn, conn.begin():
            rows = (await conn.execute(_CLAIM, {"limit": self._settings.relay_batch_size})).all()
            if not rows:
                return 0
            try:
                routed = await asyncio.gather(*(self._publish(exchange, row) for row in rows))
            except Exception as exc:
                await conn.rollback()
                async with self._engine.begin() as failed:
                    await failed.execute(
                        _MARK_FAILED_ATTEMPT,
                        {"ids": [row.id for row in rows], "error": describe_error(exc)},
                    )
                raise
            published = [row.id for row, ok in zip(rows, routed, strict=True) if ok]
            returned = [row for row, ok in zip(rows, routed, strict=True) if not ok]
            # The grace runs from the first return, not from the row's age: after a long broker outage
            # old rows meet not-yet-routable queues first, and must not be given up at once.
            now = asyncio.get_running_loop().time()
            grace = self._settings.relay_unroutable_grace_seconds
            for row in returned:
                self._first_returned.setdefault(row.id, now)
            to_no_one = [row.id for row in returned if now - self._first_returned[row.id] >= grace]
            retry = [row.id for row in returned if now - self._first_returned[row.id] < grace]
            for row_id in to_no_one:
                del self._first_returned[row_id]
            for row_id in published:
                self._first_returned.pop(row_id, None)
            if published:
                await conn.execute(_MARK_PUBLISHED, {"ids": published})
            if to_no_one:
                await conn.execute(_MARK_PUBLISHED_TO_NO_ONE, {"ids": to_no_one})
            if retry:
                await conn.execute(_MARK_RETURNED, {"ids": retry})
                self.returned += len(retry)
                log.warning("outbox relay: %d event(s) returned by the broker, kept pending", len(retry))
        self.published += len(published) + len(to_no_one)
        if retry:
            # Sent again after a pause, not in a tight loop, until a queue takes them or the grace ends.
            await asyncio.sleep(min(1.0, self._settings.relay_poll_interval * 2))
        return len(published) + len(to_no_one)

    async def _publish(self, exchange: aio_pika.abc.AbstractExchange, row: Any) -> bool:
        """Publish one row with a confirm; False when the broker returned it (no queue took it)."""
        parent = propagate.extract(row.headers or {})
        # Started without becoming the current span (no context attach/detach per message: a fifth of
        # the relay's CPU went to span bookkeeping); the message carries it to the consumers.
        span = tracer.start_span(
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
        )
        try:
            headers: dict[str, Any] = {"event_type": row.event_type, "board": row.board}
            propagate.inject(headers, context=trace.set_span_in_context(span, parent))
            message = aio_pika.Message(
                body=bytes(row.body),
                message_id=str(row.event_id),
                type=row.event_type,
                app_id=self._settings.service_name,
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                headers=headers,
            )
            # mandatory (aio-pika's default): an unroutable message comes back instead of an ack.
            confirmation = await exchange.publish(message, routing_key=row.routing_key, timeout=10)
        except BaseException as exc:
            span.set_status(trace.Status(trace.StatusCode.ERROR, exc.__class__.__name__))
            raise
        finally:
            span.end()
        return isinstance(confirmation, aiormq.spec.Basic.Ack)
