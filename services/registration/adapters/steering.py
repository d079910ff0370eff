"""The steering committee in PostgreSQL (the only SQL of ``service_layer/steering``)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.registration.adapters.tables import (
    Board,
    Participant,
    SteeringCommitteeRow,
    SteeringMeetingRow,
    SteeringMemberRow,
    table_of,
)


class SteeringRepository:
    """Steering committees, their members and meetings."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def board_exists(self, board: str) -> bool:
        return await self.session.get(Board, board) is not None

    async def committee(
        self, board: str, program_year: str, *, create: bool = False
    ) -> SteeringCommitteeRow | None:
        """The board's committee of the program year, locked for this change (created first if asked)."""
        if create:
            table = table_of(SteeringCommitteeRow)
            await self.session.execute(
                insert(table)
                .values(id=uuid.uuid4(), board=board, program_year=program_year, sequence=0)
                .on_conflict_do_nothing(constraint="uq_steering_committees_board_year")
            )
        query = sa.select(SteeringCommitteeRow).where(
            col(SteeringCommitteeRow.board) == board,
            col(SteeringCommitteeRow.program_year) == program_year,
        )
        if create:
            query = query.with_for_update()
        return (
            await self.session.execute(query.execution_options(populate_existing=True))
        ).scalar_one_or_none()

    async def members(self, committee_id: uuid.UUID) -> list[SteeringMemberRow]:
        rows = await self.session.execute(
            sa.select(SteeringMemberRow)
            .where(col(SteeringMemberRow.committee_id) == committee_id)
            .order_by(col(SteeringMemberRow.created_at), col(SteeringMemberRow.id))
        )
        return list(rows.scalars())

    async def meetings(self, committee_id: uuid.UUID) -> list[SteeringMeetingRow]:
        rows = await self.session.execute(
            sa.select(SteeringMeetingRow)
            .where(col(SteeringMeetingRow.committee_id) == committee_id)
            .order_by(col(SteeringMeetingRow.held_on), col(SteeringMeetingRow.id))
        )
        return list(rows.scalars())

    async def participant_board(self, participant_id: uuid.UUID) -> str | None:
        row = await self.session.get(Participant, participant_id)
        return row.board if row is not None else None

    async def delete_member(self, committee_id: uuid.UUID, member_id: uuid.UUID) -> bool:
        result = await self.session.execute(
            sa.delete(SteeringMemberRow)
            .where(
                col(SteeringMemberRow.committee_id) == committee_id, col(SteeringMemberRow.id) == member_id
            )
            .returning(col(SteeringMemberRow.id))
        )
        return result.first() is not None

    async def delete_meeting(self, committee_id: uuid.UUID, meeting_id: uuid.UUID) -> bool:
        result = await self.session.execute(
            sa.delete(SteeringMeetingRow)
            .where(
                col(SteeringMeetingRow.committee_id) == committee_id, col(SteeringMeetingRow.id) == meeting_id
            )
            .returning(col(SteeringMeetingRow.id))
        )
        return result.first() is not None

    async def add(self, row: SteeringMemberRow | SteeringMeetingRow) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()
