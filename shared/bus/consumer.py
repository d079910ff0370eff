"""The idempotent event consumer every service uses.

For each message: decode the envelope (undecodable → dead letter at once, with the reason), run
the service's handler in a unit of work that also writes the inbox row, commit, then ack. Messages
delivered together share that unit of work (group commit, ``shared/bus/group_commit.py``) and
their acks (``shared/bus/acks.py``). Infrastructure outages (database down) are retried in place
without acking; a handler that keeps failing is dead-lettered with its error after
``max_handler_attempts`` deliveries.

Messages come straight from aio-pika (:meth:`EventConsumer.on_delivery`), not through FastStream's
per-message pipeline (middlewares, parsing, dependency injection: a third of a consumer's CPU in
bench/results/profiles/bus_consumer.txt, for nothing this consumer used). Its one span per message
is the one FastStream's telemetry middleware made: ``<exchange>.<routing key> process``, kind
CONSUMER, a child of the publisher's span from the message headers.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Mapping
from datetime import UTC, datetime

from aio_pika.abc import AbstractIncomingMessage
from faststream.rabbit import RabbitBroker, RabbitExchange
from opentelemetry import propagate, trace
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared import inbox
from shared.bus.acks import BatchedAcks
from shared.bus.errors import describe_error, is_transient
from shared.bus.group_commit import GroupCommit, Handler
from shared.db import UnitOfWork
from shared.events.catalog import UndecodableEvent, decode
from shared.events.envelope import IntegrationEvent
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)
tracer = trace.get_tracer("mentorweb.consumer")

MAX_EVENT_BYTES = 1_000_000


class EventConsumer:
    def __init__(
        self,
        settings: ServiceSettings,
        session_factory: async_sessionmaker[AsyncSession],
        handlers: Mapping[type[IntegrationEvent], Handler],
        broker: RabbitBroker,
        *,
        transient_retry_seconds: float = 120.0,
    ):
        self.settings = settings
        self.session_factory = session_factory
        self.handlers = dict(handlers)
        self.broker = broker
        self.transient_retry_seconds = transient_retry_seconds
        self.handled = 0
        self.dead_lettered = 0
        self.acks = BatchedAcks()
        self.in_flight: set[asyncio.Task[object]] = set()
        self._crash_points = _crash_points(settings)
        self.group_commit = GroupCommit(
            consumer_name=settings.service_name,
            open_unit_of_work=lambda: UnitOfWork(session_factory, scope="system"),
            handle_alone=self.handle_event,
            crash_point=self._maybe_crash,
            max_batch=settings.consumer_batch_size,
            committers=settings.consumer_committers,
        )

    @property
    def routing_keys(self) -> list[str]:
        return sorted(cls.routing_key() for cls in self.handlers)

    async def on_delivery(self, message: AbstractIncomingMessage) -> None:
        """aio-pika's consumer callback: one task per message, settled (acked, nacked or
        dead-lettered) exactly once."""
        self.acks.delivered(message)
        task = asyncio.current_task()
        if task is not None:
            self.in_flight.add(task)
        exchange = message.exchange or "default"
        try:
            with tracer.start_as_current_span(
                f"{exchange}.{message.routing_key} process",
                context=propagate.extract(message.headers),
                kind=trace.SpanKind.CONSUMER,
                attributes={
                    "messaging.system": "rabbitmq",
                    "messaging.operation": "process",
                    "messaging.destination.name": exchange,
                    "messaging.rabbitmq.destination.routing_key": message.routing_key or "",
                    "messaging.message.id": message.message_id or "",
                },
                # An exception's message could carry personal data: the status says its kind only.
                record_exception=False,
                set_status_on_exception=False,
            ) as span:
                try:
                    await self.handle_message(message)
                except Exception as exc:  # e.g. the dead-letter exchange unreachable: it comes back
                    error = describe_error(exc)
                    span.set_status(trace.Status(trace.StatusCode.ERROR, error))
                    log.warning("message %s left unhandled: %s", message.message_id, error)
                    await self.acks.nack(message, requeue=True)
        finally:
            if task is not None:
                self.in_flight.discard(task)

    async def handle_message(self, message: AbstractIncomingMessage) -> None:
        span = trace.get_current_span()
        if len(message.body) > MAX_EVENT_BYTES:
            await self._dead_letter(message, f"body of {len(message.body)} bytes exceeds {MAX_EVENT_BYTES}")
            return
        try:
            event = decode(message.body)
        except UndecodableEvent as exc:
            await self._dead_letter(message, str(exc))
            return
        span.set_attribute("mentorweb.event_type", event.type)
        span.set_attribute("mentorweb.board", event.board)
        handler = self.handlers.get(type(event))
        if handler is None:
            await self._dead_letter(message, f"{self.settings.service_name} has no handler for {event.type}")
            return
        try:
            await self._handle_to_the_end(handler, event)
        except Exception as exc:
            attempts = _delivery_count(message) + 1
            error = describe_error(exc)
            # Not span.record_exception: its message and stack could carry personal data.
            span.set_status(trace.Status(trace.StatusCode.ERROR, error))
            log.warning(
                "handler for %s failed (attempt %d/%d): %s",
                event.type,
                attempts,
                self.settings.max_handler_attempts,
                error,
            )
            if attempts >= self.settings.max_handler_attempts:
                await self._dead_letter(message, f"handler failed {attempts} times: {error}")
            else:
                await asyncio.sleep(min(0.2 * attempts, 2.0))
                await self.acks.nack(message, requeue=True)
            return
        self.acks.ack(message)
        self.handled += 1

    async def _handle_to_the_end(self, handler: Handler, event: IntegrationEvent) -> None:
        """Handle ``event`` shielded from cancellation. When the broker connection drops, the AMQP
        client cancels every in-flight message task; cut in the middle, a transaction could leave
        its connection mid-transaction (an inbox row without its effect, committed later by another
        message). Shielded, it commits or rolls back whole; the message, never acked, comes back
        and the inbox decides."""
        work = asyncio.ensure_future(self._handle_with_retries(handler, event))
        try:
            await asyncio.shield(work)
        except asyncio.CancelledError:
            work.add_done_callback(_log_outcome_after_cancel)
            raise

    async def _handle_with_retries(self, handler: Handler, event: IntegrationEvent) -> None:
        deadline = asyncio.get_running_loop().time() + self.transient_retry_seconds
        backoff = 0.2
        while True:
            try:
                await self.group_commit.handle(handler, event)
                return
            except Exception as exc:
                if not is_transient(exc) or asyncio.get_running_loop().time() > deadline:
                    raise
                log.warning("transient %s handling %s; retrying", exc.__class__.__name__, event.type)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def handle_event(self, handler: Handler, event: IntegrationEvent) -> bool:
        """Run ``handler`` once for ``event`` in one unit of work; False when already handled."""
        async with UnitOfWork(self.session_factory, scope="system") as uow:
            first_time = await inbox.claim(
                uow.session,
                consumer=self.settings.service_name,
                event_id=event.event_id,
                event_type=event.type,
            )
            if not first_time:
                return False
            await handler(uow, event)
            self._maybe_crash("before_commit")
            await uow.commit()
        self._maybe_crash("after_commit")
        return True

    def _maybe_crash(self, point: str, events: int = 1) -> None:
        """Fault injection for the crash tests (test environment only): SIGKILL this process at
        ``point`` once N events passed it, as a node failure would, with no chance to ack or clean up."""
        if point in self._crash_points and self._crash_points[point] > 0:
            self._crash_points[point] -= events
            if self._crash_points[point] <= 0:
                os.kill(os.getpid(), signal.SIGKILL)

    async def _dead_letter(self, message: AbstractIncomingMessage, reason: str) -> None:
        raw = message
        headers = dict(message.headers or {})
        headers.update(
            {
                "x-mentorweb-death-reason": reason[:1000],
                "x-mentorweb-consumer": self.settings.service_name,
                "x-mentorweb-failed-at": datetime.now(UTC).isoformat(),
                "x-original-exchange": raw.exchange or "",
                "x-original-routing-key": raw.routing_key or "",
            }
        )
        await self.broker.publish(
            message.body,
            exchange=RabbitExchange(self.settings.dead_letter_exchange_name, declare=False),
            routing_key=self.settings.queue_name,
            headers=headers,
            message_id=message.message_id,
            content_type=raw.content_type or "application/octet-stream",
            persist=True,
        )
        self.acks.ack(message)
        self.dead_lettered += 1
        log.warning("dead-lettered message %s: %s", message.message_id, reason[:200])


def _log_outcome_after_cancel(work: asyncio.Future[None]) -> None:
    error = None if work.cancelled() else work.exception()
    if error is not None:
        log.warning("handling finished after its delivery was cancelled: %s", describe_error(error))


def _crash_points(settings: ServiceSettings) -> dict[str, int]:
    spec = os.environ.get("MENTORWEB_CRASH_AT", "")  # e.g. "after_commit:500"
    if not spec or settings.mentorweb_env != "test":
        return {}
    point, _, nth = spec.partition(":")
    return {point: int(nth or 1)}


def _delivery_count(message: AbstractIncomingMessage) -> int:
    value = (message.headers or {}).get("x-delivery-count", 0)
    try:
        return int(value)  # type: ignore[arg-type]  # any header value; a bad one counts as 0
    except (TypeError, ValueError):
        return 0
