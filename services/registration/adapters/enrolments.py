"""Enrolments in sessions and cohort groups in PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

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
