"""Read-only participant search for the console's People screen: by name or HR id, board-scoped."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.registration.adapters.tables import Participant


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def participant_filters(
    *,
    boards: Sequence[str] | None,
    board: str | None = None,
    program_year: str | None = None,
    role: str | None = None,
    status: str | None = None,
) -> list[sa.ColumnElement[bool]]:
    """The WHERE terms of a participant list: every given filter; ``boards`` None = all boards."""
    filters: list[sa.ColumnElement[bool]] = []
    if boards is not None:
        filters.append(col(Participant.board).in_(boards))
    if board:
        filters.append(col(Participant.board) == board)
    if program_year:
        filters.append(col(Participant.program_year) == program_year)
    if role:
        filters.append(col(Participant.role) == role)
    if status:
        filters.append(col(Participant.status) == status)
    return filters


async def search(
    session: AsyncSession,
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
    """Participants matching every given filter, by family then given name; ``boards`` None = all boards."""
    filters = participant_filters(
        boards=boards, board=board, program_year=program_year, role=role, status=status
    )
    for word in (text or "").split()[:5]:
        pattern = f"%{_escape_like(word)}%"
        filters.append(
            sa.or_(
                col(Participant.given_name).ilike(pattern, escape="\\"),
                col(Participant.family_name).ilike(pattern, escape="\\"),
                col(Participant.hr_id).ilike(pattern, escape="\\"),
            )
        )
    total = (
        await session.execute(sa.select(sa.func.count()).select_from(Participant).where(*filters))
    ).scalar_one()
    rows = (
        await session.execute(
            sa.select(Participant)
            .where(*filters)
            .order_by(Participant.family_name, col(Participant.given_name), col(Participant.id))
            .limit(limit)
            .offset(offset)
        )
    ).scalars()
    return int(total), list(rows)


async def counts(
    session: AsyncSession, *, boards: list[str] | None, program_year: str | None
) -> list[tuple[str, str, str, int]]:
    """(board, role, status, count) for every combination present; ``boards`` None = all boards."""
    filters = participant_filters(boards=boards, program_year=program_year)
    rows = await session.execute(
        sa.select(col(Participant.board), col(Participant.role), col(Participant.status), sa.func.count())
        .where(*filters)
        .group_by(Participant.board, Participant.role, Participant.status)
        .order_by(Participant.board, Participant.role, Participant.status)
    )
    return [(str(b), str(r), str(s), int(n)) for b, r, s, n in rows]
