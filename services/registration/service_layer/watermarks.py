"""After every change of a board's participants, registration says what it now holds for that
board and program year (``ParticipantsCounted``), in the same transaction as the change. Matching
compares it with what it has received, and runs only on complete data."""

from __future__ import annotations

from collections.abc import Iterable

from services.registration.adapters.repository import repositories
from shared.db import UnitOfWork
from shared.events.registration import (
    MentorRegistered,
    ParticipantsCounted,
    ParticipantUpdated,
    ParticipantWithdrawn,
    TeacherRegistered,
)

_PARTICIPANT_EVENTS = (TeacherRegistered, MentorRegistered, ParticipantUpdated, ParticipantWithdrawn)


async def count_after_changes(uow: UnitOfWork, extra: Iterable[tuple[str, str]] = ()) -> None:
    """Publish the count of every (board, program year) this unit of work changed (its pending
    participant events) plus ``extra``; call it last, before the commit."""
    keys = {
        (event.board, event.participant.program_year)
        for event in uow.pending_events
        if isinstance(event, _PARTICIPANT_EVENTS)
    }
    keys.update(extra)
    for board, program_year in sorted(keys):
        counted = await repositories(uow).watermarks.count(board=board, program_year=program_year)
        uow.publish(
            ParticipantsCounted(
                board=board,
                program_year=program_year,
                sequence=counted.sequence,
                participants=counted.participants,
                revisions=counted.revisions,
                importing=counted.importing,
            )
        )


async def count_for_import(uow: UnitOfWork, board: str, program_year: str | None) -> None:
    """An import was queued: its program year (or every year the board has) is being changed."""
    years = [program_year] if program_year else await repositories(uow).watermarks.program_years_of(board)
    await count_after_changes(uow, [(board, year) for year in years])
