"""Boards, their schools and the theme taxonomy in PostgreSQL (the catalogue every registration
checks against)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.registration.adapters.tables import Board, Import, Participant, School, Theme, table_of
from shared.outbox import OutboxMessage


class DuplicateRow(Exception):
    """A unique constraint refused the flush."""


class BoardRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    # -- boards -------------------------------------------------------------------------------------

    async def get(self, code: str, *, lock: bool = False) -> Board | None:
        return await self.session.get(Board, code, with_for_update=lock or None)

    async def find(self, boards: Sequence[str] | None) -> list[Board]:
        """Every board, or only ``boards`` (None = every board)."""
        query = sa.select(Board).order_by(col(Board.code))
        if boards is not None:
            query = query.where(col(Board.code).in_(boards))
        return list((await self.session.execute(query)).scalars())

    async def add(self, board: Board) -> None:
        self.session.add(board)

    async def history(self, code: str) -> list[str]:
        """What the board already holds (participants, schools, imports): a board with history is kept."""
        found = []
        for table, what in (
            (Participant, "participants"),
            (School, "schools"),
            (Import, "imports"),
        ):
            used = (
                await self.session.execute(
                    sa.select(sa.func.count()).select_from(table).where(col(table.board) == code)
                )
            ).scalar_one()
            if used:
                found.append(what)
        return found

    async def delete(self, board: Board) -> None:
        await self.session.delete(board)

    # -- schools ------------------------------------------------------------------------------------

    async def school(self, school_id: uuid.UUID) -> School | None:
        return await self.session.get(School, school_id)

    async def schools(
        self, *, boards: Sequence[str] | None, board: str | None, limit: int, offset: int
    ) -> list[School]:
        query = sa.select(School).order_by(col(School.board), col(School.code))
        if boards is not None:
            query = query.where(col(School.board).in_(boards))
        if board:
            query = query.where(col(School.board) == board)
        return list((await self.session.execute(query.limit(limit).offset(offset))).scalars())

    async def add_school(self, school: School) -> None:
        self.session.add(school)

    async def delete_school(self, school: School) -> None:
        await self.session.delete(school)

    async def flush(self) -> None:
        """Write pending changes now; :class:`DuplicateRow` when a unique constraint refuses them."""
        try:
            await self.session.flush()
        except IntegrityError as exc:
            raise DuplicateRow(str(exc)) from exc

    # -- themes -------------------------------------------------------------------------------------

    async def theme(self, code: str) -> Theme | None:
        return await self.session.get(Theme, code)

    async def themes(self) -> list[Theme]:
        return list((await self.session.execute(sa.select(Theme).order_by(col(Theme.code)))).scalars())

    async def theme_codes(self) -> frozenset[str]:
        return frozenset((await self.session.execute(sa.select(col(Theme.code)))).scalars())

    async def add_theme(self, theme: Theme) -> None:
        self.session.add(theme)

    async def announced_names(self) -> list[tuple[str, str | bytes]]:
        """(event type, JSON body) of every board and theme event the outbox holds."""
        outbox = table_of(OutboxMessage)
        rows = await self.session.execute(
            sa.select(outbox.c.event_type, outbox.c.body).where(
                outbox.c.event_type.in_(["BoardRegistered", "BoardRenamed", "ThemeDefined"])
            )
        )
        return [(str(event_type), body) for event_type, body in rows]
