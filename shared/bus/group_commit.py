"""Group commit: events that arrive together are handled in one transaction.

The broker delivers up to ``prefetch`` messages at once, each on its own task. Handled one
transaction each, a consumer spends most of its time on BEGIN, the inbox row and COMMIT
(bench/results/profiles). Here each message's task hands its event over and waits; a committer
takes every event waiting (up to ``max_batch``) into one unit of work — one multi-row inbox claim,
each first-time event's handler in turn, one COMMIT — then tells each task its outcome, and the
task acks its own message. While one transaction runs the next batch gathers, so an idle consumer
pays no extra latency and a busy one commits many events at a time.

Each handler runs in its own message's trace context, so its database spans and the events it
publishes belong to that message's trace; the batch's own span links to every message.

A batch that fails for a reason other than the database being away is run again one event per
transaction, so one bad event fails alone and its neighbours still commit.
"""

from __future__ import annotations

import asyncio
import contextvars
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace

from shared import inbox
from shared.bus.errors import is_transient
from shared.db import UnitOfWork
from shared.events.envelope import IntegrationEvent

tracer = trace.get_tracer("mentorweb.consumer")

Handler = Callable[[UnitOfWork, Any], Awaitable[None]]


@dataclass(frozen=True)
class Batchable:
    """A handler with a set-based first step: for a run of consecutive events it handles in one
    batch, ``first_for_all`` runs once with all of them (one statement for all, not one each; it
    must not publish events: it runs in the batch's trace, not any one message's), then
    ``then_each`` runs per event in its own message's trace. Alone, an event takes both steps."""

    first_for_all: Callable[[UnitOfWork, list[Any]], Awaitable[None]]
    then_each: Handler | None = None

    async def __call__(self, uow: UnitOfWork, event: Any) -> None:
        await self.first_for_all(uow, [event])
        if self.then_each is not None:
            await self.then_each(uow, event)


@dataclass(eq=False)
class WaitingEvent:
    handler: Handler
    event: IntegrationEvent
    outcome: asyncio.Future[bool]
    trace_context: otel_context.Context = field(default_factory=otel_context.get_current)


class GroupCommit:
    """Batches events into shared transactions; at most ``committers`` transactions at a time."""

    def __init__(
        self,
        *,
        consumer_name: str,
        open_unit_of_work: Callable[[], UnitOfWork],
        handle_alone: Callable[[Handler, IntegrationEvent], Awaitable[bool]],
        crash_point: Callable[[str, int], None],
        max_batch: int,
        committers: int,
    ):
        self._consumer_name = consumer_name
        self._open_unit_of_work = open_unit_of_work
        self._handle_alone = handle_alone
        self._crash_point = crash_point
        self._max_batch = max_batch
        self._committers = committers
        self._waiting: deque[WaitingEvent] = deque()
        self._running: set[asyncio.Task[None]] = set()
        self.batches = 0
        self.largest_batch = 0

    async def handle(self, handler: Handler, event: IntegrationEvent) -> bool:
        """Handle ``event`` in some batch's transaction; False when it was handled before."""
        waiting = WaitingEvent(handler, event, asyncio.get_running_loop().create_future())
        self._waiting.append(waiting)
        if len(self._running) < self._committers:
            # A fresh context: the batch is no one message's child (its span links to them all).
            task = asyncio.create_task(self._commit_while_waiting(), context=contextvars.Context())
            self._running.add(task)
            task.add_done_callback(self._running.discard)
        return await waiting.outcome

    async def _commit_while_waiting(self) -> None:
        while self._waiting:
            batch = [self._waiting.popleft() for _ in range(min(self._max_batch, len(self._waiting)))]
            try:
                await self._commit(batch)
            finally:
                for waiting in batch:  # cancelled mid-batch: nobody is left waiting forever
                    if not waiting.outcome.done():
                        waiting.outcome.cancel()

    async def _commit(self, batch: list[WaitingEvent]) -> None:
        if len(batch) == 1:
            await self._alone(batch[0])
            return
        try:
            outcomes = await self._in_one_transaction(batch)
        except Exception as exc:
            if is_transient(exc):  # the database is away: every event waits and retries
                for waiting in batch:
                    waiting.outcome.set_exception(exc)
                return
            for waiting in batch:  # one bad event: each alone, so only it fails
                await self._alone(waiting)
            return
        for waiting, first_time in zip(batch, outcomes, strict=True):
            waiting.outcome.set_result(first_time)

    async def _alone(self, waiting: WaitingEvent) -> None:
        token = otel_context.attach(waiting.trace_context)
        try:
            waiting.outcome.set_result(await self._handle_alone(waiting.handler, waiting.event))
        except Exception as exc:
            waiting.outcome.set_exception(exc)
        finally:
            otel_context.detach(token)

    async def _in_one_transaction(self, batch: list[WaitingEvent]) -> list[bool]:
        first_of: dict[uuid.UUID, WaitingEvent] = {}
        for waiting in batch:  # the same event twice in one batch: the second is a duplicate
            first_of.setdefault(waiting.event.event_id, waiting)
        links = [
            trace.Link(trace.get_current_span(w.trace_context).get_span_context()) for w in first_of.values()
        ]
        with tracer.start_as_current_span(
            f"{self._consumer_name} handle batch",
            links=links,
            attributes={"mentorweb.batch_size": len(batch)},
        ):
            async with self._open_unit_of_work() as uow:
                claimed = await inbox.claim_many(
                    uow.session,
                    consumer=self._consumer_name,
                    events=[(event_id, w.event.type) for event_id, w in first_of.items()],
                )
                await self._handle_claimed(
                    uow, [w for event_id, w in first_of.items() if event_id in claimed]
                )
                self._crash_point("before_commit", len(claimed))
                await uow.commit()
            self._crash_point("after_commit", len(claimed))
        self.batches += 1
        self.largest_batch = max(self.largest_batch, len(batch))
        return [first_of[w.event.event_id] is w and w.event.event_id in claimed for w in batch]

    async def _handle_claimed(self, uow: UnitOfWork, claimed: list[WaitingEvent]) -> None:
        """Each event in delivery order; a run of consecutive events of one :class:`Batchable`
        handler takes its first step together."""
        start = 0
        while start < len(claimed):
            handler = claimed[start].handler
            end = start + 1
            if isinstance(handler, Batchable):
                while end < len(claimed) and claimed[end].handler is handler:
                    end += 1
                await handler.first_for_all(uow, [w.event for w in claimed[start:end]])
                each = handler.then_each
            else:
                each = handler
            if each is not None:
                for waiting in claimed[start:end]:
                    token = otel_context.attach(waiting.trace_context)
                    try:
                        await each(uow, waiting.event)
                    finally:
                        otel_context.detach(token)
            start = end
