"""Enrolments in sessions and cohort groups in PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from services.registration.adapters.boards import DuplicateRow
from services.registration.adapters.tables import EnrolmentRow


class EnrolmentRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def counts(
        self, of: Literal["session", "cohort"], ids: Sequence[uuid.UUID]
    ) -> dict[tuple[uuid.UUID, str], int]:
        """How many live enrolments each session (or cohort group) of ``ids`` has, by status."""
        if not ids:
            return {}
        column = col(EnrolmentRow.session_id) if of == "session" else col(EnrolmentRow.cohort_id)
        rows = await self.session.execute(
            sa.select(column, col(EnrolmentRow.status), sa.func.count())
            .where(column.in_(ids), col(EnrolmentRow.status) != "cancelled")
            .group_by(column, col(EnrolmentRow.status))
        )
        return {(target, state): n for target, state, n in rows.tuples() if target is not None}

    async def count(self, *, session_id: uuid.UUID, status: str) -> int:
        """How many enrolments of the session have ``status``."""
        return (
            await self.session.execute(
                sa.select(sa.func.count())
                .select_from(EnrolmentRow)
                .where(col(EnrolmentRow.session_id) == session_id, col(EnrolmentRow.status) == status)
            )
        ).scalar_one()

    async def live(
        self,
        *,
        session_id: uuid.UUID | None = None,
        cohort_id: uuid.UUID | None = None,
        status: str | None = None,
    ) -> list[EnrolmentRow]:
        """The session's (or cohort group's) enrolments that are not cancelled, in seat order."""
        column = col(EnrolmentRow.session_id) if session_id is not None else col(EnrolmentRow.cohort_id)
        query = (
            sa.select(EnrolmentRow)
            .where(column == (session_id or cohort_id), col(EnrolmentRow.status) != "cancelled")
            .order_by(col(EnrolmentRow.seq))
        )
        if status is not None:
            query = query.where(col(EnrolmentRow.status) == status)
        return list((await self.session.execute(query)).scalars())

    async def add(self, row: EnrolmentRow) -> None:
        """Insert now; :class:`DuplicateRow` when the participant is enrolled already."""
        self.session.add(row)
        try:
            await self.session.flush()
        except IntegrityError as exc:
            raise DuplicateRow(str(exc)) from exc

    async def flush(self) -> None:
        await self.session.flush()

    async def of_participant(self, participant_id: uuid.UUID) -> list[tuple[EnrolmentRow, int]]:
        """Live enrolments of one participant, each with how many waitlisted enrolments of the same
        session or cohort group were made up to and including it."""
        mine = aliased(EnrolmentRow)
        ahead = (
            sa.select(sa.func.count())
            .select_from(EnrolmentRow)
            .where(
                col(EnrolmentRow.status) == "waitlisted",
                col(EnrolmentRow.seq) <= col(mine.seq),
                sa.or_(
                    sa.and_(
                        col(EnrolmentRow.session_id).is_not(None),
                        col(EnrolmentRow.session_id) == col(mine.session_id),
                    ),
                    sa.and_(
                        col(EnrolmentRow.cohort_id).is_not(None),
                        col(EnrolmentRow.cohort_id) == col(mine.cohort_id),
                    ),
                ),
            )
            .scalar_subquery()
        )
        rows = await self.session.execute(
            sa.select(mine, ahead)
            .where(col(mine.participant_id) == participant_id, col(mine.status) != "cancelled")
            .order_by(col(mine.seq))
        )
        return [(row, int(place)) for row, place in rows.tuples()]
