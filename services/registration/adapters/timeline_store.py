"""Reads the timeline's facts need about a board (the only SQL of ``service_layer/timeline_facts``)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession


async def board_exists(session: AsyncSession, board: str) -> bool:
    found = await session.execute(sa.text("SELECT 1 FROM boards WHERE code = :b"), {"b": board})
    return found.first() is not None


async def board_timezone(session: AsyncSession, board: str) -> str:
    found = await session.execute(sa.text("SELECT timezone FROM boards WHERE code = :b"), {"b": board})
    return found.scalar_one_or_none() or "America/Toronto"
