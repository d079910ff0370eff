"""Matching's view of workshop days, kept from registration's events, so hub meetings avoid them.

SessionScheduled/Changed/Cancelled carry a ``sequence``: an older version arriving late never
overwrites a newer one. EnrolmentConfirmed may arrive before its session: the two are joined only
when the scheduler asks. Open network sessions are after school and do not block a release day.
(Registration announces no enrolment cancellation, so a cancelled seat still counts as busy:
the scheduler errs on the side of not pulling a teacher from a workshop.)
"""

from __future__ import annotations

from services.matching.adapters.unit_of_work import repositories
from shared.db import UnitOfWork
from shared.events.registration import EnrolmentConfirmed, SessionCancelled, SessionScheduled


async def record_session(uow: UnitOfWork, event: SessionScheduled) -> None:
    """SessionScheduled, SessionChanged and SessionCancelled: the local day of the session."""
    # starts_at is local time with its offset: its date part is the day in the board's calendar.
    day = event.starts_at.date()
    row = {
        "session_id": event.session_id,
        "board": event.board,
        "kind": event.kind,
        "day": day,
        "cancelled": isinstance(event, SessionCancelled),
        "sequence": event.sequence,
    }
    await repositories(uow).meetings.record_session(row)


async def record_enrolment(uow: UnitOfWork, event: EnrolmentConfirmed) -> None:
    await repositories(uow).meetings.record_enrolment(event.session_id, event.participant_id, event.board)
