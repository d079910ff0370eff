"""Lists a coordinator reads: one-to-one pairings and observation visits with names and schools,
filtered, sorted and paginated in PostgreSQL; every query is scoped by board."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

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
                StandingDecisionRow.board == board,  # type: ignore[arg-type]
                StandingDecisionRow.program_year == program_year,  # type: ignore[arg-type]
                StandingDecisionRow.kind == "pairing",  # type: ignore[arg-type]
                StandingDecisionRow.participant_id == PairingRow.teacher_id,  # type: ignore[arg-type]
            )
            .exists()
        )
        query = (
            sa.select(
                PairingRow.teacher_id,
                teacher.display_name.label("teacher_name"),  # type: ignore[attr-defined]
                teacher.hr_id.label("teacher_hr_id"),  # type: ignore[attr-defined]
                teacher.school.label("school"),  # type: ignore[attr-defined]
                PairingRow.mentor_id,
                mentor.display_name.label("mentor_name"),  # type: ignore[attr-defined]
                mentor.school.label("mentor_school"),  # type: ignore[attr-defined]
                PairingRow.explanation,
                PairingRow.created_at,
                manual.label("manual"),
            )
            .join(teacher, teacher.participant_id == PairingRow.teacher_id)  # type: ignore[arg-type]
            .join(mentor, mentor.participant_id == PairingRow.mentor_id)  # type: ignore[arg-type]
            .where(PairingRow.board == board, PairingRow.program_year == program_year)  # type: ignore[arg-type]
        )
        if q:
            like = f"%{q}%"
            query = query.where(
                sa.or_(
                    teacher.display_name.ilike(like),  # type: ignore[attr-defined]
                    mentor.display_name.ilike(like),  # type: ignore[attr-defined]
                    teacher.hr_id == q,
                )
            )
        if mentor_id is not None:
            query = query.where(PairingRow.mentor_id == mentor_id)  # type: ignore[arg-type]
        if school:
            query = query.where(teacher.school == school)
        total = (
            await self.session.execute(sa.select(sa.func.count()).select_from(query.subquery()))
        ).scalar_one()
        descending = sort.startswith("-")
        column = sa.column(sort.lstrip("-"))
        rows = await self.session.execute(
            query.order_by(column.desc() if descending else column.asc(), PairingRow.teacher_id)  # type: ignore[arg-type]
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
                ObservationRow.id,
                ObservationRow.day,
                ObservationRow.starts_at,
                ObservationRow.ends_at,
                ObservationRow.status,
                ObservationRow.visitor_id,
                visitor.display_name.label("visitor_name"),  # type: ignore[attr-defined]
                visitor.school.label("visitor_school"),  # type: ignore[attr-defined]
                ObservationRow.host_id,
                host.display_name.label("host_name"),  # type: ignore[attr-defined]
                host.school.label("host_school"),  # type: ignore[attr-defined]
            )
            .outerjoin(visitor, visitor.participant_id == ObservationRow.visitor_id)  # type: ignore[arg-type]
            .outerjoin(host, host.participant_id == ObservationRow.host_id)  # type: ignore[arg-type]
            .where(ObservationRow.board == board, ObservationRow.program_year == program_year)  # type: ignore[arg-type]
        )
        if participant_id is not None:
            query = query.where(
                sa.or_(ObservationRow.visitor_id == participant_id, ObservationRow.host_id == participant_id)  # type: ignore[arg-type]
            )
        if status:
            query = query.where(ObservationRow.status == status)  # type: ignore[arg-type]
        total = (
            await self.session.execute(sa.select(sa.func.count()).select_from(query.subquery()))
        ).scalar_one()
        descending = sort.startswith("-")
        column = sa.column(sort.lstrip("-"))
        rows = await self.session.execute(
            query.order_by(column.desc() if descending else column.asc(), ObservationRow.id)  # type: ignore[arg-type]
            .limit(limit)
            .offset(offset)
        )
        return total, [dict(r._mapping) for r in rows]

    async def decisions(self, board: str, program_year: str) -> list[dict[str, Any]]:
        rows = await self.session.execute(
            sa.select(StandingDecisionRow, ParticipantView.display_name)
            .outerjoin(ParticipantView, ParticipantView.participant_id == StandingDecisionRow.participant_id)  # type: ignore[arg-type]
            .where(StandingDecisionRow.board == board, StandingDecisionRow.program_year == program_year)  # type: ignore[arg-type]
            .order_by(StandingDecisionRow.id)  # type: ignore[arg-type]
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

    async def names_and_schools(self, ids: list[Any]) -> dict[str, tuple[str, str | None]]:
        if not ids:
            return {}
        rows = await self.session.execute(
            sa.select(
                ParticipantView.participant_id, ParticipantView.display_name, ParticipantView.school
            ).where(
                ParticipantView.participant_id.in_(ids)  # type: ignore[attr-defined]
            )
        )
        return {str(p): (n, s) for p, n, s in rows}
