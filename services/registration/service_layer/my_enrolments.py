"""A participant's own live enrolments (sessions and cohort groups), each with its waitlist place."""

from __future__ import annotations

import uuid

from services.registration.adapters.repository import repositories
from services.registration.adapters.tables import EnrolmentRow
from shared.db import UnitOfWork


async def enrolments_of_participant(
    uow: UnitOfWork, participant_id: uuid.UUID
) -> list[tuple[EnrolmentRow, int | None]]:
    """Live enrolments of one participant, with their place on the waitlist (None when confirmed):
    the waitlisted of the same session or cohort group enrolled before them, plus one."""
    found = await repositories(uow).enrolments.of_participant(participant_id)
    return [(row, place if row.status == "waitlisted" else None) for row, place in found]
