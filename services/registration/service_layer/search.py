"""The console's People screen: participants found by name or HR id, and how many each board has.

Read-only and board-scoped (``boards`` None = every board, province staff)."""

from __future__ import annotations

from collections.abc import Sequence

from services.registration.adapters.repository import repositories
from services.registration.adapters.tables import Participant
from shared.db import UnitOfWork


async def search_participants(
    uow: UnitOfWork,
    *,
    boards: list[str] | None,
    board: str | None,
    text: str | None,
    role: str | None,
    status: str | None,
    program_year: str | None,
    limit: int,
    offset: int,
) -> tuple[int, Sequence[Participant]]:
    """(how many match, one page of them by family then given name)."""
    return await repositories(uow).participants.search(
        boards=boards,
        board=board,
        text=text,
        role=role,
        status=status,
        program_year=program_year,
        limit=limit,
        offset=offset,
    )


async def participant_counts(
    uow: UnitOfWork, *, boards: list[str] | None, program_year: str | None
) -> list[tuple[str, str, str, int]]:
    """(board, role, status, how many) for every combination present."""
    return await repositories(uow).participants.counts(boards=boards, program_year=program_year)
