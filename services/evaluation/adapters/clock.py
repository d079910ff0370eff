"""The clock: what time it is, injected so schedules and flags can be judged at any instant."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that says what it is told (tests): ``clock.set(moment)``."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def set(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


SYSTEM_CLOCK = SystemClock()
