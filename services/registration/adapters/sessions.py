"""Workshops, network sessions, cohort groups and attendance in PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Literal, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.registration.adapters.tables import AttendanceRow, EnrolmentRow, NetworkCohortRow, SessionRow

# A live (not cancelled) enrolment's status.
LiveStatus = Literal["confirmed", "waitlisted"]


class SessionRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def add(self, row: SessionRow | NetworkCohortRow | AttendanceRow) -> None:
        """Insert now (a session's or cohort group's id is referenced at once)."""
        self.session.add(row)
        await self.session.flush()

    async def stage(self, row: AttendanceRow) -> None:
        """Insert with the next flush."""
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def get(self, session_id: uuid.UUID, *, lock: bool = False) -> SessionRow | None:
        """The session; with ``lock`` its row lock, which guards its seats."""
        query = sa.select(SessionRow).where(col(SessionRow.id) == session_id)
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def cohort(self, cohort_id: uuid.UUID, *, lock: bool = False) -> NetworkCohortRow | None:
        """The cohort group; with ``lock`` its row lock, which guards the seats of all its meetings."""
        query = sa.select(NetworkCohortRow).where(col(NetworkCohortRow.id) == cohort_id)
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def find(
        self,
        *,
        boards: Sequence[str] | None,
        board: str | None,
        kind: str | None,
        program_year: str | None,
    ) -> list[SessionRow]:
        """Sessions of ``boards`` (None: every board) and the provincial ones, by start."""
        query = sa.select(SessionRow).order_by(col(SessionRow.starts_at), col(SessionRow.id))
        if boards is not None:
            query = query.where(sa.or_(col(SessionRow.board).is_(None), col(SessionRow.board).in_(boards)))
        if board is not None:
            query = query.where(col(SessionRow.board) == board)
        if kind is not None:
            query = query.where(col(SessionRow.kind) == kind)
        if program_year is not None:
            query = query.where(col(SessionRow.program_year) == program_year)
        return list((await self.session.execute(query)).scalars())

    async def cohort_meetings(self, cohort_id: uuid.UUID) -> list[SessionRow]:
        """The cohort group's scheduled meetings, by start."""
        query = (
            sa.select(SessionRow)
            .where(col(SessionRow.cohort_id) == cohort_id, col(SessionRow.status) == "scheduled")
            .order_by(col(SessionRow.starts_at))
        )
        return list((await self.session.execute(query)).scalars())

    async def attendance(self, session_id: uuid.UUID) -> list[AttendanceRow]:
        """The attendance recorded for a session, in the order it was recorded."""
        query = (
            sa.select(AttendanceRow)
            .where(col(AttendanceRow.session_id) == session_id)
            .order_by(col(AttendanceRow.recorded_at))
        )
        return list((await self.session.execute(query)).scalars())

    async def workshops_of(
        self, participant_id: uuid.UUID
    ) -> list[tuple[SessionRow, LiveStatus, bool | None]]:
        """(workshop, enrolment status, attended or None) of every live enrolment of the participant."""
        rows = await self.session.execute(
            sa.select(SessionRow, col(EnrolmentRow.status), col(AttendanceRow.attended))
            .join(EnrolmentRow, col(EnrolmentRow.session_id) == col(SessionRow.id))
            .outerjoin(
                AttendanceRow,
                sa.and_(
                    col(AttendanceRow.session_id) == col(SessionRow.id),
                    col(AttendanceRow.participant_id) == participant_id,
                ),
            )
            .where(
                col(EnrolmentRow.participant_id) == participant_id,
                col(EnrolmentRow.status) != "cancelled",
                col(SessionRow.kind) == "workshop",
            )
        )
        # Cancelled enrolments are left out above: what remains is confirmed or waitlisted.
        return [(session, cast(LiveStatus, status), attended) for session, status, attended in rows.tuples()]
