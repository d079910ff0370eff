"""Participants in PostgreSQL: one row per person, board and program year."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.registration.adapters import participant_search
from services.registration.adapters.boards import DuplicateRow
from services.registration.adapters.tables import Participant


class ParticipantRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def get(self, participant_id: uuid.UUID, *, lock: bool = False) -> Participant | None:
        query = sa.select(Participant).where(col(Participant.id) == participant_id)
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def find(self, participant_id: uuid.UUID) -> Participant | None:
        """The participant from the session's identity map when loaded already."""
        return await self.session.get(Participant, participant_id)

    async def page(
        self,
        *,
        boards: Sequence[str] | None,
        board: str | None,
        program_year: str | None,
        role: str | None,
        status: str | None,
        limit: int,
        offset: int,
    ) -> tuple[int, list[Participant]]:
        """(how many match, one page of them in registration order)."""
        filters = participant_search.participant_filters(
            boards=boards, board=board, program_year=program_year, role=role, status=status
        )
        total = (
            await self.session.execute(sa.select(sa.func.count()).select_from(Participant).where(*filters))
        ).scalar_one()
        rows = (
            await self.session.execute(
                sa.select(Participant)
                .where(*filters)
                .order_by(col(Participant.created_at), col(Participant.id))
                .limit(limit)
                .offset(offset)
            )
        ).scalars()
        return total, list(rows)

    async def add(self, participant: Participant) -> None:
        """Insert now; :class:`DuplicateRow` when the HR id is taken in the board and program year."""
        self.session.add(participant)
        try:
            await self.session.flush()
        except IntegrityError as exc:
            raise DuplicateRow(str(exc)) from exc

    async def save(self, participant: Participant) -> None:
        """Write the changes now, stamped with the database's time, and read that time back."""
        participant.updated_at = sa.func.now()  # type: ignore[assignment]  # an SQL expression, set by the database
        await self.session.flush()
        await self.session.refresh(participant)

    async def search(
        self,
        *,
        boards: list[str] | None,
        board: str | None,
        text: str | None,
        role: str | None,
        status: str | None,
        program_year: str | None,
        limit: int,
        offset: int,
    ) -> tuple[int, Sequence[Participant]]:
        """Participants matching every given filter (see :func:`participant_search.search`)."""
        return await participant_search.search(
            self.session,
            boards=boards,
            board=board,
            text=text,
            role=role,
            status=status,
            program_year=program_year,
            limit=limit,
            offset=offset,
        )

    async def counts(
        self, *, boards: list[str] | None, program_year: str | None
    ) -> list[tuple[str, str, str, int]]:
        """(board, role, status, how many) for every visible board."""
        return list(await participant_search.counts(self.session, boards=boards, program_year=program_year))
