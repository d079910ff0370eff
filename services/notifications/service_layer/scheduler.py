"""The scheduler worker: grant-deadline planning, due reminders and weekly digests, on a clock.

Everything it acts on lives in PostgreSQL (reminders, held messages), so a restart loses nothing;
the clock is injected so tests can move time instead of waiting for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from services.notifications.adapters.repository import SessionFactory
from services.notifications.config import Settings
from services.notifications.service_layer import digests, reminders
from services.notifications.service_layer.news import messenger
from shared.db import UnitOfWork

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class Scheduler:
    def __init__(
        self,
        settings: Settings,
        session_factory: SessionFactory,
        clock: Clock | None = None,
    ):
        self.settings = settings
        self.session_factory = session_factory
        self.clock = clock or system_clock
        self.messenger = messenger(settings)
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="notifications-scheduler")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._task, timeout=15)

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.run_once()
            except Exception as exc:  # database down: try again next tick, never die
                log.warning("scheduler: %s", exc.__class__.__name__)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self.settings.scheduler_poll_interval)

    async def run_once(self, now: datetime | None = None) -> dict[str, int]:
        """One pass: plan grant-deadline reminders, send due reminders, send due digests."""
        now = now or self.clock()
        async with UnitOfWork(self.session_factory, scope="system") as uow:
            planned = await reminders.plan_grant_deadlines(uow, self.settings, now)
            await uow.commit()
        return {
            "planned": planned,
            "reminders": await self.send_reminders(now),
            "digests": await self.send_digests(now),
        }

    async def send_reminders(self, now: datetime | None = None) -> int:
        return await reminders.send_due(
            self.session_factory, self.messenger, now or self.clock(), self.settings.scheduler_batch_size
        )

    async def send_digests(self, now: datetime | None = None) -> int:
        return await digests.send_digests(
            self.session_factory, self.messenger, self.settings, now or self.clock()
        )
