"""Runs on complete data only: is matching up to date with registration for a board's program year?

Registration sends ``ParticipantsCounted`` after every change (how many participants it holds for
the board and year, the sum of their revisions, whether an import is under way). Matching is up to
date when it holds as many participants with the same revisions and no import is under way: every
registration, update and withdrawal registration made has reached it. A run started before that is
refused with how far behind matching is (and the coordinator retries), so hubs never form from part
of a board. A board registration does not know, or a year in which it holds nobody, is refused too.

A board whose participants reached matching but for which registration never sent a count (data
from before counts existed, or events published by hand) cannot be judged, and is let through.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.matching.adapters.unit_of_work import repositories
from services.matching.service_layer.errors import NotCaughtUp, UnknownBoard, UnknownProgramYear
from shared.db import UnitOfWork
from shared.events.registration import ParticipantsCounted


@dataclass(frozen=True)
class Readiness:
    board: str
    program_year: str
    known: bool  # registration sent a count for this board and year
    up_to_date: bool
    importing: bool
    registration_participants: int | None
    registration_revisions: int | None
    matching_participants: int
    matching_revisions: int
    sequence: int | None

    @property
    def behind(self) -> dict[str, int]:
        return {
            "participants": max(0, (self.registration_participants or 0) - self.matching_participants),
            "revisions": max(0, (self.registration_revisions or 0) - self.matching_revisions),
        }


async def record_count(uow: UnitOfWork, event: ParticipantsCounted) -> None:
    """Keep registration's newest count of a board's program year."""
    await repositories(uow).readiness.record(
        board=event.board,
        program_year=event.program_year,
        sequence=event.sequence,
        participants=event.participants,
        revisions=event.revisions,
        importing=event.importing,
        counted_at=event.occurred_at,
    )


async def readiness(uow: UnitOfWork, board: str, program_year: str) -> Readiness:
    """Where matching stands against registration for ``board`` and ``program_year``."""
    counted = await repositories(uow).readiness.registration_count(board, program_year)
    participants, revisions = await repositories(uow).readiness.held(board, program_year)
    if counted is None:
        return Readiness(
            board, program_year, False, participants > 0, False, None, None, participants, revisions, None
        )
    same = (participants, revisions) == (counted.participants, counted.revisions)
    return Readiness(
        board,
        program_year,
        True,
        same and not counted.importing,
        counted.importing,
        counted.participants,
        counted.revisions,
        participants,
        revisions,
        counted.sequence,
    )


async def ensure_caught_up(uow: UnitOfWork, board: str, program_year: str) -> Readiness:
    """Refuse a run on a board or year registration does not know, or before matching caught up."""
    found = await readiness(uow, board, program_year)
    if not found.known:
        if found.matching_participants:
            return found  # cannot be judged (no count ever came): let it run on what it holds
        if not await repositories(uow).readiness.board_known(board):
            raise UnknownBoard(board)
        raise UnknownProgramYear(board, program_year)
    if found.registration_participants == 0 and found.matching_participants == 0 and not found.importing:
        raise UnknownProgramYear(board, program_year)
    if not found.up_to_date:
        raise NotCaughtUp(found)
    return found
