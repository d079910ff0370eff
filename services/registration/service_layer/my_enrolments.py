"""A participant's own live enrolments (sessions and cohort groups), each with its waitlist place."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from services.registration.adapters.tables import EnrolmentRow
from shared.db import UnitOfWork


async def enrolments_of_participant(
    uow: UnitOfWork, participant_id: uuid.UUID
) -> list[tuple[EnrolmentRow, int | None]]:
    """Live enrolments of one participant, with their place on the waitlist (None when confirmed):
    the waitlisted of the same session or cohort group enrolled before them, plus one."""
    mine = aliased(EnrolmentRow)
    ahead = (
        sa.select(sa.func.count())
        .select_from(EnrolmentRow)
        .where(
            EnrolmentRow.status == "waitlisted",  # type: ignore[arg-type]
            EnrolmentRow.seq <= mine.seq,  # type: ignore[operator]
            sa.or_(
                sa.and_(EnrolmentRow.session_id.is_not(None), EnrolmentRow.session_id == mine.session_id),  # type: ignore[union-attr]
                sa.and_(EnrolmentRow.cohort_id.is_not(None), EnrolmentRow.cohort_id == mine.cohort_id),  # type: ignore[union-attr]
            ),
        )
        .scalar_subquery()
    )
    rows = await uow.session.execute(
        sa.select(mine, ahead)
        .where(mine.participant_id == participant_id, mine.status != "cancelled")
        .order_by(mine.seq)
    )
    return [(row, int(place) if row.status == "waitlisted" else None) for row, place in rows.tuples()]
