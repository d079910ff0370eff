"""The count registration sends after each change of a board's program year (the only SQL of
``service_layer/watermarks``)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

# The watermark row is locked first: counts taken after it see every transaction that counted
# before, so a higher sequence never describes less than a lower one.
_NEXT = sa.text(
    "INSERT INTO participant_watermarks (board, program_year, sequence) VALUES (:board, :year, 1) "
    "ON CONFLICT (board, program_year) DO UPDATE SET sequence = participant_watermarks.sequence + 1, "
    "updated_at = now() RETURNING sequence"
)
_COUNT = sa.text(
    "SELECT count(*) AS participants, coalesce(sum(revision), 0) AS revisions FROM participants "
    "WHERE board = :board AND program_year = :year"
)
_IMPORTING = sa.text(
    "SELECT EXISTS (SELECT 1 FROM imports WHERE board = :board AND state IN ('queued', 'running') "
    "AND (program_year IS NULL OR program_year = :year))"
)
_YEARS = sa.text("SELECT DISTINCT program_year FROM participants WHERE board = :board")


@dataclass(frozen=True)
class Count:
    sequence: int
    participants: int
    revisions: int
    importing: bool


class WatermarkRepository:
    """The counts registration sends after each change of a board's program year."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def count(self, *, board: str, program_year: str) -> Count:
        params = {"board": board, "year": program_year}
        sequence = (await self.session.execute(_NEXT, params)).scalar_one()
        counted = (await self.session.execute(_COUNT, params)).one()
        importing = (await self.session.execute(_IMPORTING, params)).scalar_one()
        return Count(int(sequence), int(counted.participants), int(counted.revisions), bool(importing))

    async def program_years_of(self, board: str) -> list[str]:
        return sorted((await self.session.execute(_YEARS, {"board": board})).scalars())
