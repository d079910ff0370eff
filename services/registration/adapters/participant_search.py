"""Read-only participant search for the console's People screen: by name or HR id, board-scoped."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.registration.adapters.tables import Participant


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


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
    filters: list[sa.ColumnElement[bool]] = []
    if boards is not None:
        filters.append(Participant.board.in_(boards))  # type: ignore[attr-defined]
    if board:
        filters.append(Participant.board == board)  # type: ignore[arg-type]
    if role:
        filters.append(Participant.role == role)  # type: ignore[arg-type]
    if status:
        filters.append(Participant.status == status)  # type: ignore[arg-type]
    if program_year:
        filters.append(Participant.program_year == program_year)  # type: ignore[arg-type]
    for word in (text or "").split()[:5]:
        pattern = f"%{_escape_like(word)}%"
        filters.append(
            sa.or_(
                Participant.given_name.ilike(pattern, escape="\\"),  # type: ignore[attr-defined]
                Participant.family_name.ilike(pattern, escape="\\"),  # type: ignore[attr-defined]
                Participant.hr_id.ilike(pattern, escape="\\"),  # type: ignore[attr-defined]
            )
        )
    total = (
        await session.execute(sa.select(sa.func.count()).select_from(Participant).where(*filters))
    ).scalar_one()
    rows = (
        await session.execute(
            sa.select(Participant)
            .where(*filters)
            .order_by(Participant.family_name, Participant.given_name, Participant.id)  # type: ignore[arg-type]
            .limit(limit)
            .offset(offset)
        )
    ).scalars()
    return int(total), list(rows)


async def counts(
    session: AsyncSession, *, boards: list[str] | None, program_year: str | None
) -> list[tuple[str, str, str, int]]:
    """(board, role, status, count) for every combination present; ``boards`` None = all boards."""
    filters: list[sa.ColumnElement[bool]] = []
    if boards is not None:
        filters.append(Participant.board.in_(boards))  # type: ignore[attr-defined]
    if program_year:
        filters.append(Participant.program_year == program_year)  # type: ignore[arg-type]
    rows = await session.execute(
        sa.select(Participant.board, Participant.role, Participant.status, sa.func.count())
        .where(*filters)
        .group_by(Participant.board, Participant.role, Participant.status)
        .order_by(Participant.board, Participant.role, Participant.status)
    )
    return [(str(b), str(r), str(s), int(n)) for b, r, s, n in rows]
