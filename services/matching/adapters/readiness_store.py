"""Registration's counts as matching received them, and matching's own (the only SQL of readiness)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

# The newest count wins whatever the arrival order (a higher sequence describes a later state).
_RECORD = sa.text(
    "INSERT INTO registration_counts "
    "(board, program_year, sequence, participants, revisions, importing, counted_at) "
    "VALUES (:board, :year, :sequence, :participants, :revisions, :importing, :counted_at) "
    "ON CONFLICT (board, program_year) DO UPDATE SET sequence = EXCLUDED.sequence, "
    "participants = EXCLUDED.participants, revisions = EXCLUDED.revisions, "
    "importing = EXCLUDED.importing, counted_at = EXCLUDED.counted_at, received_at = now() "
    "WHERE registration_counts.sequence < EXCLUDED.sequence"
)
_COUNTED = sa.text(
    "SELECT sequence, participants, revisions, importing, counted_at FROM registration_counts "
    "WHERE board = :board AND program_year = :year"
)
_BOARD_KNOWN = sa.text(
    "SELECT EXISTS (SELECT 1 FROM registration_counts WHERE board = :board) "
    "OR EXISTS (SELECT 1 FROM participants WHERE board = :board)"
)
_HELD = sa.text(
    "SELECT count(*) AS participants, coalesce(sum(revision), 0) AS revisions FROM participants "
    "WHERE board = :board AND program_year = :year"
)


@dataclass(frozen=True)
class Counted:
    sequence: int
    participants: int
    revisions: int
    importing: bool
    counted_at: datetime


class ReadinessRepository:
    """Registration's counts and what matching holds, per board and program year."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def record(
        self,
        *,
        board: str,
        program_year: str,
        sequence: int,
        participants: int,
        revisions: int,
        importing: bool,
        counted_at: datetime,
    ) -> None:
        await self.session.execute(
            _RECORD,
            {
                "board": board,
                "year": program_year,
                "sequence": sequence,
                "participants": participants,
                "revisions": revisions,
                "importing": importing,
                "counted_at": counted_at,
            },
        )

    async def registration_count(self, board: str, program_year: str) -> Counted | None:
        row = (await self.session.execute(_COUNTED, {"board": board, "year": program_year})).first()
        if row is None:
            return None
        return Counted(
            int(row.sequence), int(row.participants), int(row.revisions), bool(row.importing), row.counted_at
        )

    async def board_known(self, board: str) -> bool:
        return bool((await self.session.execute(_BOARD_KNOWN, {"board": board})).scalar_one())

    async def held(self, board: str, program_year: str) -> tuple[int, int]:
        row = (await self.session.execute(_HELD, {"board": board, "year": program_year})).one()
        return int(row.participants), int(row.revisions)
