"""The audit history: every integration event, kept for operators to read and replay.

One RabbitMQ **stream** per bus (``<prefix>.audit``) bound to ``#`` on the events exchange, declared
with the rest of the topology by every service at start-up. Why a stream rather than a quorum queue
drained into a table of its own:

- it is an append-only, replicated log (Raft, like quorum queues): reading it never consumes it, so
  any number of operators can read the same history, from the start or from a point in time
  (``x-stream-offset``), and replay it;
- retention is the broker's (``x-max-age``, from ``AUDIT_MAX_AGE``), with no process to run, no
  database to migrate and no consumer that could fall behind or lose its place;
- being bound to every routing key, it makes every publish routable: the relay's "published to no
  one" path never triggers for any event type, whichever service subscribes or not.

Reading by participant, hub or time scans the stream from a start time (``since``) and filters here;
an operator bounds the scan with ``since``. Only ids and types are shown unless the full event is
asked for: event bodies carry names and addresses.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aio_pika
import aiormq
from aio_pika.abc import AbstractChannel

from shared.bus.connection import connect_robust
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)

# Fields of an event's payload that hold a participant's id (``participant.participant_id`` too).
_PARTICIPANT_FIELDS = frozenset(
    {
        "participant_id",
        "teacher_id",
        "mentor_id",
        "visitor_id",
        "host_id",
        "members",
        "leaders",
        "added",
        "removed",
        "attendees",
    }
)
_ENVELOPE_FIELDS = frozenset(
    {"event_id", "type", "version", "occurred_at", "board", "producer", "correlation_id", "causation_id"}
)


def audit_stream_name(settings: ServiceSettings) -> str:
    return f"{settings.bus_prefix}.audit"


def audit_stream_arguments(settings: ServiceSettings) -> dict[str, Any]:
    return {"x-queue-type": "stream", "x-max-age": settings.audit_max_age}


async def declare_audit_stream(channel: AbstractChannel, settings: ServiceSettings) -> None:
    """Declare (idempotently) the audit stream and bind it to every routing key.

    A stream already declared with another retention is kept as it is (RabbitMQ refuses to
    re-declare with other arguments): change a running stream's retention with a ``max-age`` policy.
    """
    name = audit_stream_name(settings)
    try:
        stream = await channel.declare_queue(name, durable=True, arguments=audit_stream_arguments(settings))
    except aiormq.exceptions.ChannelPreconditionFailed:
        log.warning("audit stream %s exists with other arguments; keeping it (use a policy)", name)
        await channel.reopen()
        stream = await channel.declare_queue(name, passive=True)
    await stream.bind(settings.exchange_name, routing_key="#")


@dataclass
class AuditedEvent:
    """One event of the history: what an operator sees without asking for personal data."""

    offset: int
    published_at: datetime | None
    event_id: str
    event_type: str
    board: str
    occurred_at: str
    hub_id: str | None
    participants: list[str]
    body: dict[str, Any] = field(repr=False)
    routing_key: str = ""
    raw: bytes = field(default=b"", repr=False)

    def summary(self) -> dict[str, Any]:
        """Ids, type, board and times only: no names, addresses or free text."""
        return {
            "offset": self.offset,
            "occurred_at": self.occurred_at,
            "event_type": self.event_type,
            "board": self.board,
            "event_id": self.event_id,
            "hub_id": self.hub_id,
            "participants": self.participants,
        }


def participants_of(body: dict[str, Any]) -> list[str]:
    """Every participant id an event names (as subject, member, leader, attendee, visitor …)."""
    found: list[str] = []

    def add(value: Any) -> None:
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, str) and _is_uuid(item) and item not in found:
                found.append(item)

    for key, value in body.items():
        if key in _ENVELOPE_FIELDS:
            continue
        if key in _PARTICIPANT_FIELDS:
            add(value)
        elif key == "participant" and isinstance(value, dict):
            add(value.get("participant_id"))
    return found


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def to_audited(message: aio_pika.abc.AbstractIncomingMessage) -> AuditedEvent:
    headers = message.headers or {}
    try:
        body = json.loads(message.body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        body = {}
    if not isinstance(body, dict):
        body = {}
    hub = body.get("hub_id")
    offset = headers.get("x-stream-offset")  # a long the broker sets on every stream message
    return AuditedEvent(
        offset=offset if isinstance(offset, int) else -1,
        published_at=message.timestamp,
        event_id=str(body.get("event_id") or message.message_id or ""),
        event_type=str(body.get("type") or message.type or headers.get("event_type") or ""),
        board=str(body.get("board") or headers.get("board") or ""),
        occurred_at=str(body.get("occurred_at") or ""),
        hub_id=str(hub) if hub else None,
        participants=participants_of(body),
        body=body,
        routing_key=message.routing_key or "",
        raw=message.body,
    )


@dataclass(frozen=True)
class AuditFilter:
    participant: str | None = None
    hub: str | None = None
    board: str | None = None
    event_types: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None

    def matches(self, event: AuditedEvent) -> bool:
        if self.participant and self.participant not in event.participants:
            return False
        if self.hub and event.hub_id != self.hub:
            return False
        if self.board and event.board != self.board:
            return False
        if self.event_types and event.event_type not in self.event_types:
            return False
        occurred = _parse_time(event.occurred_at)
        if occurred is not None:
            if self.since and occurred < self.since:
                return False
            if self.until and occurred > self.until:
                return False
        return True


def _parse_time(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def read_history(
    settings: ServiceSettings,
    selection: AuditFilter = AuditFilter(),
    *,
    idle_seconds: float = 1.5,
    limit: int | None = None,
) -> AsyncIterator[AuditedEvent]:
    """The audit history matching ``selection``, oldest first, read without consuming it.

    The scan starts at ``selection.since`` (the stream's chunk holding that time; earlier events of
    the chunk are filtered out here), or at the first retained event, and ends once no message
    arrived for ``idle_seconds`` (a stream has no end: it is caught up then).
    """
    connection = await connect_robust(settings.rabbitmq_url, timeout=10)
    async with connection:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=500)  # a stream consumer must set one
        stream = await channel.declare_queue(audit_stream_name(settings), passive=True)
        start: Any = selection.since if selection.since is not None else "first"
        queue: asyncio.Queue[aio_pika.abc.AbstractIncomingMessage] = asyncio.Queue()
        tag = await stream.consume(queue.put, arguments={"x-stream-offset": start})
        yielded = 0
        try:
            while limit is None or yielded < limit:
                try:
                    message = await asyncio.wait_for(queue.get(), timeout=idle_seconds)
                except TimeoutError:
                    return
                await message.ack()
                event = to_audited(message)
                if selection.matches(event):
                    yielded += 1
                    yield event
        finally:
            await stream.cancel(tag)


async def collect_history(
    settings: ServiceSettings, selection: AuditFilter = AuditFilter(), **kwargs: Any
) -> list[AuditedEvent]:
    return [event async for event in read_history(settings, selection, **kwargs)]


async def replay(
    settings: ServiceSettings, events: Iterable[AuditedEvent], *, to_queue: str, routing_keys: set[str]
) -> int:
    """Publish ``events`` again to one service's queue only (the default exchange), as the original
    messages: the other services and the audit stream do not see them twice, and the service's
    inbox makes the replay idempotent. Events the service does not handle are left out."""
    sent = 0
    connection = await connect_robust(settings.rabbitmq_url, timeout=10)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        for event in events:
            if event.routing_key not in routing_keys:
                continue
            await channel.default_exchange.publish(
                aio_pika.Message(
                    body=event.raw,
                    message_id=event.event_id,
                    type=event.event_type,
                    content_type="application/json",
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    headers={
                        "event_type": event.event_type,
                        "board": event.board,
                        "x-mentorweb-replayed": "audit",
                    },
                ),
                routing_key=to_queue,
            )
            sent += 1
    return sent
