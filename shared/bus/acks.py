"""Acknowledgements in delivery order, many messages per frame.

Acked one frame each, a consumer spent a fifth of its CPU writing them to the socket
(bench/results/profiles/bus_consumer.txt). Here a handled message is only marked done; once every
message delivered before it on its channel is settled too, one ``basic.ack`` with ``multiple=True``
acknowledges the whole run. Marks made in one pass of the event loop (a group commit's batch) are
flushed together, so a busy consumer sends one frame per batch and an idle one acks at once.

A message is never acked before its own effect committed: the multiple ack covers only a run in
which every message was marked done (or already nacked on its own, which the broker then skips).
Delivery tags belong to a channel: after a reconnect the new channel starts again at 1, so each
channel keeps its own run; the old channel's unacked messages come back and the inbox skips them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from typing import Any

from aio_pika.abc import AbstractIncomingMessage

log = logging.getLogger(__name__)

STUCK_SECONDS = 0.5


class _ChannelRun:
    def __init__(self, channel: Any):
        self.channel = channel
        self.delivered: deque[AbstractIncomingMessage] = deque()  # unsettled, in delivery order
        self.done: dict[int, bool] = {}  # delivery tag → True to ack, False already nacked alone


class BatchedAcks:
    def __init__(self) -> None:
        self._runs: dict[int, _ChannelRun] = {}
        self._run_of: dict[int, _ChannelRun] = {}  # id(message) → its channel's run, until settled
        self._flush: asyncio.Handle | None = None
        self._release: asyncio.TimerHandle | None = None
        self._sending: set[asyncio.Task[None]] = set()
        self.frames = 0  # ack frames sent (fewer than messages acked: that is the point)

    def delivered(self, message: AbstractIncomingMessage) -> None:
        """Register ``message`` when it arrives, before any later delivery can be marked done."""
        channel = message.channel
        run = self._runs.get(id(channel))
        if run is None or run.channel is not channel:
            run = self._runs[id(channel)] = _ChannelRun(channel)
        tag = message.delivery_tag or 0
        if run.delivered and (run.delivered[-1].delivery_tag or 0) > tag:
            # Out of order (never seen: deliveries start their tasks in order): keep the run sorted,
            # or a multiple ack could cover a message still in hand.
            at = next(i for i, m in enumerate(run.delivered) if (m.delivery_tag or 0) > tag)
            run.delivered.insert(at, message)
        else:
            run.delivered.append(message)
        self._run_of[id(message)] = run

    def ack(self, message: AbstractIncomingMessage) -> None:
        """Its effect committed (or it was dead-lettered): ack it with the run it completes."""
        self._settle(message, ack=True)

    async def nack(self, message: AbstractIncomingMessage, *, requeue: bool) -> None:
        """Give ``message`` back now, on its own (a later multiple ack skips it)."""
        try:
            await message.nack(requeue=requeue)
        finally:  # sent or not (channel gone), it no longer holds back the run
            self._settle(message, ack=False)

    def _settle(self, message: AbstractIncomingMessage, *, ack: bool) -> None:
        run = self._run_of.pop(id(message), None)
        if run is None or message.delivery_tag is None:  # never registered: settle it alone
            if ack:
                self._send(message)
            return
        run.done[message.delivery_tag] = ack
        if self._flush is None:
            self._flush = asyncio.get_running_loop().call_soon(self._flush_runs)

    def _flush_runs(self) -> None:
        self._flush = None
        for run in self._runs.values():
            last: AbstractIncomingMessage | None = None
            while run.delivered and run.delivered[0].delivery_tag in run.done:
                message = run.delivered.popleft()
                if run.done.pop(message.delivery_tag):  # type: ignore[arg-type]
                    last = message
            if last is not None:
                self._send(last, multiple=True)
        for key, run in list(self._runs.items()):  # forget runs of channels gone for good
            if run.channel.is_closed:
                del self._runs[key]
                for message in run.delivered:
                    self._run_of.pop(id(message), None)
        if self._release is None and any(run.done for run in self._runs.values()):
            self._release = asyncio.get_running_loop().call_later(STUCK_SECONDS, self._release_stuck)

    def _release_stuck(self) -> None:
        """Messages done behind one still in hand (a handler retrying, a slow batch) are acked one
        by one after a while, so they do not hold the prefetch window shut meanwhile."""
        self._release = None
        self._flush_runs()
        for run in self._runs.values():
            if not run.done:
                continue
            kept: deque[AbstractIncomingMessage] = deque()
            for message in run.delivered:
                settled = run.done.pop(message.delivery_tag, None)  # type: ignore[arg-type]
                if settled is None:
                    kept.append(message)
                elif settled:
                    self._send(message)
            run.delivered = kept

    def _send(self, message: AbstractIncomingMessage, *, multiple: bool = False) -> None:
        task = asyncio.create_task(self._ack(message, multiple))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _ack(self, message: AbstractIncomingMessage, multiple: bool) -> None:
        try:
            await message.ack(multiple=multiple)
            self.frames += 1
        except Exception as exc:  # channel gone: the broker redelivers, the inbox skips the repeats
            log.info("ack not sent (%s): the messages come back and are skipped", exc.__class__.__name__)

    async def drain(self) -> None:
        """Send every ack that is due (before the channel closes on shutdown)."""
        if self._release is not None:
            self._release.cancel()
            self._release = None
        if self._flush is not None:
            self._flush.cancel()
        self._flush_runs()
        if self._release is not None:
            self._release.cancel()
            self._release_stuck()
        with contextlib.suppress(Exception):
            await asyncio.gather(*list(self._sending), return_exceptions=True)
