"""The survey schedule as a background worker: every few minutes, open the rounds that are due and
forget the salts of closed anonymous surveys (the use case does the work; this is only the timer)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from services.evaluation.adapters.clock import SYSTEM_CLOCK, Clock
from services.evaluation.config import Settings
from services.evaluation.service_layer.surveys import keep_schedule
from shared.bus.errors import describe_error
from shared.runtime import Runtime

log = logging.getLogger(__name__)


class SurveySchedule:
    def __init__(self, runtime: Runtime, clock: Clock = SYSTEM_CLOCK):
        self.runtime = runtime
        self.settings = runtime.settings_as(Settings)
        self.clock = clock
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="survey-schedule")

    async def _run(self) -> None:
        while True:
            try:
                outcome = await keep_schedule(
                    self.runtime.system_uow, now=self.clock.now(), mode=self.settings.round_mode
                )
                if outcome.opened or outcome.waiting:
                    log.info(
                        "survey rounds opened: %d; waiting for a fix: %d",
                        len(outcome.opened),
                        len(outcome.waiting),
                    )
            except Exception as exc:  # the next tick tries again
                log.warning("survey schedule failed: %s", describe_error(exc))
            await asyncio.sleep(self.settings.schedule_interval_seconds)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
