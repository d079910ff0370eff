"""Program years and their phases in PostgreSQL (the only SQL of ``service_layer/program_years``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.registration.adapters.tables import Board, ProgramPhaseRow, ProgramYearRow


class ProgramYearRepository:
    """Program years and their phases."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def board_exists(self, board: str) -> bool:
        return await self.session.get(Board, board) is not None

    async def add_program_year(self, row: ProgramYearRow) -> bool:
        """Insert ``row``; False when the board already has this program year (nothing inserted)."""
        try:
            async with self.session.begin_nested():
                self.session.add(row)
                await self.session.flush()
        except IntegrityError:
            return False
        return True

    async def get(self, program_year_id: uuid.UUID, *, lock: bool = False) -> ProgramYearRow | None:
        """The program year; with ``lock``, held for this transaction (its phases change one edit at a time)."""
        query = sa.select(ProgramYearRow).where(col(ProgramYearRow.id) == program_year_id)
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def phases_of(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[ProgramPhaseRow]]:
        found: dict[uuid.UUID, list[ProgramPhaseRow]] = {i: [] for i in ids}
        if not ids:
            return found
        rows = await self.session.execute(
            sa.select(ProgramPhaseRow)
            .where(col(ProgramPhaseRow.program_year_id).in_(ids))
            .order_by(col(ProgramPhaseRow.position), col(ProgramPhaseRow.key))
        )
        for row in rows.scalars():
            found[row.program_year_id].append(row)
        return found

    async def find(
        self, *, boards: list[str] | None, board: str | None, program_year: str | None
    ) -> list[ProgramYearRow]:
        """Program years of ``boards`` (None: every board) and the provincial ones, optionally narrowed."""
        query = sa.select(ProgramYearRow).order_by(ProgramYearRow.program_year, col(ProgramYearRow.board))
        if boards is not None:
            query = query.where(
                sa.or_(col(ProgramYearRow.board).is_(None), col(ProgramYearRow.board).in_(boards))
            )
        if board is not None:
            query = query.where(col(ProgramYearRow.board) == board)
        if program_year is not None:
            query = query.where(col(ProgramYearRow.program_year) == program_year)
        return list((await self.session.execute(query)).scalars())

    async def replace_phases(self, program_year_id: uuid.UUID, rows: Sequence[ProgramPhaseRow]) -> None:
        await self.session.execute(
            sa.delete(ProgramPhaseRow).where(col(ProgramPhaseRow.program_year_id) == program_year_id)
        )
        self.session.add_all(rows)
        await self.session.flush()

    async def min_workshops(self, *, program_year: str, board: str) -> int | None:
        """The fewest menu workshops a new school leader attends, as the board's timeline says, else
        the province's; None when neither says."""
        found = (
            await self.session.execute(
                sa.select(col(ProgramPhaseRow.min_workshops), col(ProgramYearRow.board))
                .join(ProgramYearRow, col(ProgramYearRow.id) == col(ProgramPhaseRow.program_year_id))
                .where(
                    col(ProgramYearRow.program_year) == program_year,
                    sa.or_(col(ProgramYearRow.board) == board, col(ProgramYearRow.board).is_(None)),
                    col(ProgramPhaseRow.min_workshops).is_not(None),
                )
                .order_by(col(ProgramYearRow.board).is_(None))
            )
        ).first()
        return int(found[0]) if found else None
