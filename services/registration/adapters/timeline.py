"""Reads the timeline's facts need about a board (the only SQL of ``service_layer/timeline_facts``)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession


class TimelineRepository:
    """What the timeline's facts need about a board."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def board_exists(self, board: str) -> bool:
        found = await self.session.execute(sa.text("SELECT 1 FROM boards WHERE code = :b"), {"b": board})
        return found.first() is not None

    async def board_timezone(self, board: str) -> str:
        found = await self.session.execute(
            sa.text("SELECT timezone FROM boards WHERE code = :b"), {"b": board}
        )
        return found.scalar_one_or_none() or "America/Toronto"
