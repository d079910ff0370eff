"""Lists a coordinator reads: one-to-one pairings and observation visits with names and schools,
filtered, sorted and paginated in PostgreSQL; every query is scoped by board."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from services.matching.adapters.meeting_tables import ObservationRow
from services.matching.adapters.tables import PairingRow, ParticipantView, StandingDecisionRow

PAIRING_SORTS = {"teacher_name", "mentor_name", "school", "created_at"}
OBSERVATION_SORTS = {"day", "visitor_name", "host_name"}


class Lists:
    """The paginated lists a coordinator works from, over one session."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def pairings(
        self,
        *,
        board: str,
        program_year: str,
        q: str | None,
        mentor_id: Any | None,
        school: str | None,
        sort: str,
        limit: int,
        offset: int,
    ) -> tuple[int, list[dict[str, Any]]]:
        teacher = aliased(ParticipantView)
        mentor = aliased(ParticipantView)
        manual = (
            sa.select(sa.literal(True))
            .where(
                col(StandingDecisionRow.board) == board,
                col(StandingDecisionRow.program_year) == program_year,
                col(StandingDecisionRow.kind) == "pairing",
                col(StandingDecisionRow.participant_id) == col(PairingRow.teacher_id),
            )
            .exists()
        )
        query: sa.Select[Any] = (
            sa.select(
                col(PairingRow.teacher_id),
                col(teacher.display_name).label("teacher_name"),
                col(teacher.hr_id).label("teacher_hr_id"),
                col(teacher.school).label("school"),
                col(PairingRow.mentor_id),
                col(mentor.display_name).label("mentor_name"),
                col(mentor.school).label("mentor_school"),
                col(mentor.hr_id).label("mentor_hr_id"),
                col(PairingRow.explanation),
                col(PairingRow.created_at),
                manual.label("manual"),
            )
            .join(teacher, col(teacher.participant_id) == col(PairingRow.teacher_id))
            .join(mentor, col(mentor.participant_id) == col(PairingRow.mentor_id))
            .where(col(PairingRow.board) == board, col(PairingRow.program_year) == program_year)
        )
        if q:
            like = f"%{q}%"
            query = query.where(
                sa.or_(
                    col(teacher.display_name).ilike(like),
                    col(mentor.display_name).ilike(like),
                    col(teacher.hr_id) == q,
                    col(mentor.hr_id) == q,
                )
            )
        if mentor_id is not None:
            query = query.where(col(PairingRow.mentor_id) == mentor_id)
        if school:
            query = query.where(col(teacher.school) == school)
        total = (
            await self.session.execute(sa.select(sa.func.count()).select_from(query.subquery()))
        ).scalar_one()
        descending = sort.startswith("-")
        column: sa.ColumnClause[Any] = sa.column(sort.lstrip("-"))
        rows = await self.session.execute(
            query.order_by(column.desc() if descending else column.asc(), col(PairingRow.teacher_id))
            .limit(limit)
            .offset(offset)
        )
        return total, [dict(r._mapping) for r in rows]

    async def observations(
        self,
        *,
        board: str,
        program_year: str,
        participant_id: Any | None,
        status: str | None,
        sort: str,
        limit: int,
        offset: int,
    ) -> tuple[int, list[dict[str, Any]]]:
        visitor = aliased(ParticipantView)
        host = aliased(ParticipantView)
        query = (
            sa.select(
                col(ObservationRow.id),
                col(ObservationRow.day),
                col(ObservationRow.starts_at),
                col(ObservationRow.ends_at),
                col(ObservationRow.status),
                col(ObservationRow.visitor_id),
                col(visitor.display_name).label("visitor_name"),
                col(visitor.school).label("visitor_school"),
                col(ObservationRow.host_id),
                col(host.display_name).label("host_name"),
                col(host.school).label("host_school"),
            )
            .outerjoin(visitor, col(visitor.participant_id) == col(ObservationRow.visitor_id))
            .outerjoin(host, col(host.participant_id) == col(ObservationRow.host_id))
            .where(col(ObservationRow.board) == board, col(ObservationRow.program_year) == program_year)
        )
        if participant_id is not None:
            query = query.where(
                sa.or_(
                    col(ObservationRow.visitor_id) == participant_id,
                    col(ObservationRow.host_id) == participant_id,
                )
            )
        if status:
            query = query.where(col(ObservationRow.status) == status)
        total = (
            await self.session.execute(sa.select(sa.func.count()).select_from(query.subquery()))
        ).scalar_one()
        descending = sort.startswith("-")
        column: sa.ColumnClause[Any] = sa.column(sort.lstrip("-"))
        rows = await self.session.execute(
            query.order_by(column.desc() if descending else column.asc(), col(ObservationRow.id))
            .limit(limit)
            .offset(offset)
        )
        return total, [dict(r._mapping) for r in rows]

    async def decisions(self, board: str, program_year: str) -> list[dict[str, Any]]:
        rows = await self.session.execute(
            sa.select(StandingDecisionRow, col(ParticipantView.display_name))
            .outerjoin(
                ParticipantView,
                col(ParticipantView.participant_id) == col(StandingDecisionRow.participant_id),
            )
            .where(
                col(StandingDecisionRow.board) == board, col(StandingDecisionRow.program_year) == program_year
            )
            .order_by(col(StandingDecisionRow.id))
        )
        return [
            {
                "id": d.id,
                "kind": d.kind,
                "participant_id": d.participant_id,
                "display_name": name,
                "hub_id": d.hub_id,
                "mentor_id": d.mentor_id,
                "note": d.note,
                "actor": d.actor,
                "at": d.at,
            }
            for d, name in rows
        ]
